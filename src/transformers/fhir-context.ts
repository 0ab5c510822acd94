import type { CodeableConcept, Observation, Quantity, Reference } from 'fhir/r5.js';
import type {
  AggregationLevel,
  DeviceRef,
  NormalizedRecord,
  PatientRef,
  Timing,
} from '../common/domain/records.js';
import {
  deviceIdentity,
  identity,
  identifierSystem,
  patientScopedValue,
  type ResourceIdentity,
} from './fhir-identifiers.js';
import {
  CATEGORY_LISTS,
  frozen,
  localConcepts,
  UCUM,
  type LocalConcepts,
  type ObservationCategory,
} from './fhir-terminology.js';
import { flat } from './flat-string.js';
import { fhirDateTime } from './fhir-time.js';
import type { PublishableResource, TransformedResource } from './transformed-resource.js';

export const DEFAULT_IDENTIFIER_BASE = 'https://open-health-exchange.org';

/** What a transformation needs besides the records; everything that would make output vary is injected. */
export interface FhirTransformContext {
  /** Base of our identifier systems, code systems and meta.source; defaults to {@link DEFAULT_IDENTIFIER_BASE}. */
  readonly identifierBase?: string;
  /** Observation/DiagnosticReport.issued, an ISO instant: injected so a replay yields identical resources. */
  readonly issued: string;
  /** The link's granularity: one Observation per measurement, or one per metric per patient per UTC hour. */
  readonly aggregation: AggregationLevel;
}

/**
 * @param identifierBase - a configured base, possibly with a trailing slash, or undefined for the default
 */
export function resolveIdentifierBase(identifierBase: string | undefined): string {
  return (identifierBase ?? DEFAULT_IDENTIFIER_BASE).replace(/\/+$/, '');
}

/** @param value - a number; `unit` is a UCUM code, also used as the human-readable unit */
export function quantity(value: number, unit: string): Quantity {
  return { value, unit, system: UCUM, code: unit };
}

/** @param patient - the patient whose data a resource is */
export function patientReference(patient: PatientRef): Reference {
  return { reference: flat(`Patient/${patient.fhirPatientId}`) };
}

/**
 * @param id - the resource's identity
 * @param resource - the resource
 * @param group - fullUrl of the resource it must be written with, if any
 */
export function emit<R extends PublishableResource>(
  id: ResourceIdentity,
  resource: R,
  group?: string,
): TransformedResource<R> {
  // The same object as the resource's own identifier: one business identifier, stated once.
  return group === undefined
    ? { fullUrl: id.fullUrl, resource, identifier: id.identifier }
    : { fullUrl: id.fullUrl, resource, identifier: id.identifier, group };
}

export interface ObservationParts {
  readonly identity: ResourceIdentity;
  readonly provider: string;
  readonly patient: PatientRef;
  readonly category: ObservationCategory;
  readonly code: CodeableConcept;
  readonly when: Timing;
  readonly device?: DeviceRef | undefined;
}

/**
 * State for one transformRecords call: the resolved base and issued time, and what many resources of a batch
 * share. A batch has a handful of devices and patients and thousands of records, so device fullUrls (a SHA-1
 * each), subject and device references and identifier systems are computed once per batch; the shared objects
 * are frozen (see {@link frozen}).
 */
export class TransformSession {
  readonly base: string;
  readonly issued: string;
  readonly local: LocalConcepts;
  private readonly devices = new Map<string, Map<string, Reference>>();
  private readonly subjects = new Map<string, Reference>();
  private readonly systems = new Map<string, Map<string, string>>();
  private readonly sources = new Map<string, string>();

  constructor(ctx: Pick<FhirTransformContext, 'identifierBase' | 'issued'>) {
    this.base = resolveIdentifierBase(ctx.identifierBase);
    this.issued = ctx.issued;
    this.local = localConcepts(this.base);
  }

  /** @param provider - provider type; meta.source names where the data came from */
  source(provider: string): string {
    let source = this.sources.get(provider);
    if (source === undefined) {
      source = flat(`${this.base}/sources/${provider}`);
      this.sources.set(provider, source);
    }
    return source;
  }

  /**
   * @param device - the record's device, if known
   * @param patient - whose record it is: Devices are per patient
   */
  deviceReference(device: DeviceRef | undefined, patient: PatientRef): Reference | undefined {
    if (device === undefined) {
      return undefined;
    }
    // A NUL never occurs in a provider name, so the key is unambiguous.
    const owner = `${patient.ehrUserId}\u0000${device.provider}`;
    let byId = this.devices.get(owner);
    if (byId === undefined) {
      byId = new Map();
      this.devices.set(owner, byId);
    }
    let reference = byId.get(device.nativeId);
    if (reference === undefined) {
      reference = frozen({ reference: deviceIdentity(this.base, device, patient).fullUrl });
      byId.set(device.nativeId, reference);
    }
    return reference;
  }

  /** @param patient - the subject of a resource */
  subject(patient: PatientRef): Reference {
    let reference = this.subjects.get(patient.fhirPatientId);
    if (reference === undefined) {
      reference = frozen(patientReference(patient));
      this.subjects.set(patient.fhirPatientId, reference);
    }
    return reference;
  }

  /**
   * @param provider - provider type
   * @param type - identifier type segment (the data type, or a derived-resource segment)
   * @param patient - whose data it is
   * @param localId - the id within the patient's data
   */
  identity(provider: string, type: string, patient: PatientRef, localId: string): ResourceIdentity {
    let byType = this.systems.get(provider);
    if (byType === undefined) {
      byType = new Map();
      this.systems.set(provider, byType);
    }
    let system = byType.get(type);
    if (system === undefined) {
      system = identifierSystem(this.base, provider, type);
      byType.set(type, system);
    }
    return identity(system, patientScopedValue(patient.ehrUserId, localId));
  }

  /** An Observation with everything but its value; callers add value[x] or components. */
  observation(parts: ObservationParts): Observation {
    const w = parts.when;
    const identifier = [parts.identity.identifier];
    const meta = { source: this.source(parts.provider) };
    const category = CATEGORY_LISTS[parts.category];
    const subject = this.subject(parts.patient);
    // Two literals rather than a spread: every Observation of a kind gets the same shape, which V8 handles fastest.
    const resource: Observation =
      w.kind === 'instant'
        ? {
            resourceType: 'Observation',
            meta,
            identifier,
            status: 'final',
            category,
            code: parts.code,
            subject,
            effectiveDateTime: fhirDateTime(w.at, w.offsetMinutes),
            issued: this.issued,
          }
        : {
            resourceType: 'Observation',
            meta,
            identifier,
            status: 'final',
            category,
            code: parts.code,
            subject,
            effectivePeriod: {
              start: fhirDateTime(w.start, w.offsetMinutes),
              end: fhirDateTime(w.end, w.offsetMinutes),
            },
            issued: this.issued,
          };
    const device = this.deviceReference(parts.device, parts.patient);
    if (device !== undefined) {
      resource.device = device;
    }
    return resource;
  }

  /**
   * The Observation for a record, timed and attributed like the record.
   * @param record - the source record
   * @param type - identifier type segment
   * @param observationCategory - observation-category code
   * @param code - the Observation code
   */
  recordObservation(
    record: NormalizedRecord,
    type: string,
    observationCategory: ObservationCategory,
    code: CodeableConcept,
  ): { identity: ResourceIdentity; resource: Observation } {
    const id = this.identity(record.provider, type, record.patient, record.nativeId);
    const resource = this.observation({
      identity: id,
      provider: record.provider,
      patient: record.patient,
      category: observationCategory,
      code,
      when: record.timing,
      device: record.device,
    });
    return { identity: id, resource };
  }
}
