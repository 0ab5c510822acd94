import type { CodeableConcept, DiagnosticReport, Observation, Reference } from 'fhir/r5.js';
import type { EcgClassification, EcgRecord } from '../common/domain/records.js';
import { companionHeartRate } from './companion-heart-rate.js';
import { emit, quantity, type TransformSession } from './fhir-context.js';
import { CODES, DIAGNOSTIC_SERVICE_SECTION, SNOMED } from './fhir-terminology.js';
import { effectiveOf } from './fhir-time.js';
import type { TransformedResource } from './transformed-resource.js';

interface Conclusion {
  readonly text: string;
  readonly snomed?: string;
}

// The device's own algorithm made the call, and nobody has reviewed it yet: the text says so.
const CONCLUSIONS: Record<EcgClassification, Conclusion> = {
  sinus_rhythm: { text: 'Sinus rhythm (device classification)', snomed: '426783006' },
  atrial_fibrillation: { text: 'Atrial fibrillation (device classification)', snomed: '49436004' },
  inconclusive: { text: 'Inconclusive (device classification)', snomed: '419984006' },
  unclassified: { text: 'Not classified by the device' },
};

function waveform(
  session: TransformSession,
  record: EcgRecord,
  group: string,
): TransformedResource<Observation> {
  const code = record.lead === 'I' ? CODES.ecgLeadI : CODES.ecgUnspecifiedLead;
  const { identity, resource } = session.recordObservation(record, 'ecg-waveform', 'procedure', code);
  resource.valueSampledData = {
    origin: quantity(0, record.unit),
    interval: 1000 / record.samplingFrequencyHz,
    intervalUnit: 'ms',
    factor: record.factor,
    dimensions: 1,
  };
  // Every sample, never truncated (the original cut Withings' 15,000 samples to 10,000). FHIR strings cannot be
  // empty, so a recording without samples carries no data element at all.
  if (record.samples.length > 0) {
    resource.valueSampledData.data = record.samples.join(' ');
  }
  return emit(identity, resource, group);
}

/**
 * An ECG as a DiagnosticReport (LOINC 11524-6, v2-0074 EC) with the device's classification as conclusion, plus
 * the waveform Observation and, when the device measured one, the heart-rate Observation; `result` points at
 * both. All three share a group, the report's fullUrl, so they are written in one transaction.
 * @param session - the transform session
 * @param record - the ECG record
 * @throws RangeError when the sampling frequency is not a positive number (the interval would be meaningless)
 */
export function ecgResources(session: TransformSession, record: EcgRecord): TransformedResource[] {
  if (!(record.samplingFrequencyHz > 0) || !Number.isFinite(record.samplingFrequencyHz)) {
    throw new RangeError(
      `ECG ${record.provider}/${record.nativeId}: sampling frequency ${record.samplingFrequencyHz} Hz`,
    );
  }
  const identity = session.identity(record.provider, 'ecg', record.patient, record.nativeId);
  const group = identity.fullUrl;
  const observations = [waveform(session, record, group)];
  if (record.heartRateBpm !== undefined) {
    observations.push(companionHeartRate(session, record, record.heartRateBpm, group));
  }
  const conclusion = CONCLUSIONS[record.classification];
  const result: Reference[] = observations.map((o) => ({ reference: o.fullUrl }));
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    meta: { source: session.source(record.provider) },
    identifier: [identity.identifier],
    status: 'final',
    category: [{ coding: [{ system: DIAGNOSTIC_SERVICE_SECTION, code: 'EC' }] }],
    code: CODES.ecgStudy,
    subject: session.subject(record.patient),
    ...effectiveOf(record.timing),
    issued: session.issued,
    result,
    conclusion: conclusion.text,
  };
  if (conclusion.snomed !== undefined) {
    const code: CodeableConcept = { coding: [{ system: SNOMED, code: conclusion.snomed }] };
    report.conclusionCode = [code];
  }
  return [emit(identity, report, group), ...observations];
}
