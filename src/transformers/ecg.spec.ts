import type { DiagnosticReport, Observation } from 'fhir/r5.js';
import { describe, expect, it } from 'vitest';
import { assertPublishable } from '../../test/fixtures/fhir/golden.js';
import type { EcgClassification, EcgRecord } from '../common/domain/records.js';
import { transformRecords } from './fhir-transformer.js';

const ctx = { issued: '2026-11-22T12:00:00Z', aggregation: 'INDIVIDUAL' } as const;

function ecg(overrides: Partial<EcgRecord> = {}): EcgRecord {
  return {
    type: 'ecg',
    provider: 'withings',
    patient: { ehrUserId: 'user-1', fhirPatientId: 'p1' },
    nativeId: '48',
    timing: { kind: 'instant', at: '2026-11-22T09:00:00Z', offsetMinutes: 60 },
    device: { provider: 'withings', nativeId: 'dev-1' },
    samplingFrequencyHz: 300,
    samples: [12, -15, 9],
    factor: 1,
    unit: 'uV',
    lead: 'I',
    classification: 'sinus_rhythm',
    heartRateBpm: 63,
    ...overrides,
  };
}

const report = (record: EcgRecord): DiagnosticReport =>
  transformRecords([record], ctx)[0]!.resource as DiagnosticReport;
const waveform = (record: EcgRecord): Observation =>
  transformRecords([record], ctx)[1]!.resource as Observation;

describe('ECG transformation', () => {
  it('should keep every one of 15,000 samples, in order, in valid R5', () => {
    const samples = Array.from({ length: 15_000 }, (_, i) => ((i * 7919) % 2001) - 1000);
    const out = transformRecords([ecg({ samples })], ctx);
    assertPublishable(out);
    const data = (out[1]!.resource as Observation).valueSampledData!.data!;
    expect(data.split(' ').length).toBe(15_000);
    expect(data.split(' ').map(Number)).toEqual(samples);
  });

  it('should link the report to the waveform and heart rate, all three in the report group', () => {
    const out = transformRecords([ecg()], ctx);
    const dr = out[0]!.resource as DiagnosticReport;
    expect(dr.result).toEqual([{ reference: out[1]!.fullUrl }, { reference: out[2]!.fullUrl }]);
    expect(out.map((r) => r.group)).toEqual([out[0]!.fullUrl, out[0]!.fullUrl, out[0]!.fullUrl]);
    expect(dr.code.coding).toEqual([{ system: 'http://loinc.org', code: '11524-6' }]);
    expect(dr.category).toEqual([
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'EC' }] },
    ]);
    expect((out[1]!.resource as Observation).category?.[0]?.coding?.[0]?.code).toBe('procedure');
    expect((out[2]!.resource as Observation).code.coding).toEqual([
      { system: 'http://loinc.org', code: '8867-4' },
    ]);
  });

  it.each<[EcgClassification, string, string | undefined]>([
    ['sinus_rhythm', 'Sinus rhythm (device classification)', '426783006'],
    ['atrial_fibrillation', 'Atrial fibrillation (device classification)', '49436004'],
    ['inconclusive', 'Inconclusive (device classification)', '419984006'],
    ['unclassified', 'Not classified by the device', undefined],
  ])('should conclude %s as %j with SNOMED %s', (classification, text, snomed) => {
    const dr = report(ecg({ classification }));
    expect(dr.conclusion).toBe(text);
    expect(dr.conclusionCode).toEqual(
      snomed === undefined ? undefined : [{ coding: [{ system: 'http://snomed.info/sct', code: snomed }] }],
    );
  });

  it.each<['I' | 'unspecified', string]>([
    ['I', '131329'],
    ['unspecified', '131328'],
  ])('should code lead %s as MDC %s', (lead, code) => {
    expect(waveform(ecg({ lead })).code.coding).toEqual([{ system: 'urn:oid:2.16.840.1.113883.6.24', code }]);
  });

  it.each([
    ['Withings, 300 Hz in µV', 300, 1, 'uV' as const, 1000 / 300],
    ['Google Health, 250 Hz, samples ÷ 1000 in mV', 250, 0.001, 'mV' as const, 4],
    ['BPM Core, 500 Hz', 500, 1, 'uV' as const, 2],
  ])('should describe %s as R5 SampledData', (_name, samplingFrequencyHz, factor, unit, interval) => {
    expect(waveform(ecg({ samplingFrequencyHz, factor, unit })).valueSampledData).toStrictEqual({
      origin: { value: 0, unit, system: 'http://unitsofmeasure.org', code: unit },
      interval,
      intervalUnit: 'ms',
      factor,
      dimensions: 1,
      data: '12 -15 9',
    });
  });

  it('should publish report and waveform alone when the device gave no heart rate', () => {
    const out = transformRecords([ecg({ heartRateBpm: undefined })], ctx);
    assertPublishable(out);
    expect(out.map((r) => r.identifier.system.split('/').pop())).toEqual(['ecg', 'ecg-waveform']);
    expect((out[0]!.resource as DiagnosticReport).result).toEqual([{ reference: out[1]!.fullUrl }]);
  });

  it('should carry no data element for a recording without samples', () => {
    const out = transformRecords([ecg({ samples: [] })], ctx);
    assertPublishable(out);
    expect((out[1]!.resource as Observation).valueSampledData).not.toHaveProperty('data');
  });

  it.each([0, -250, Number.NaN, Number.POSITIVE_INFINITY])(
    'should refuse a sampling frequency of %d Hz',
    (hz) => {
      expect(() => transformRecords([ecg({ samplingFrequencyHz: hz })], ctx)).toThrow(RangeError);
    },
  );
});
