import type { Device, DeviceAssociation, DiagnosticReport, Observation } from 'fhir/r5.js';
import { v5 as uuidv5 } from 'uuid';
import type { TransformedResource } from '../../src/transformers/transformed-resource.js';

/**
 * Small, schema-valid R5 resources in the TransformedResource contract (deterministic urn:uuid fullUrl from the
 * identifier), for the publisher's unit and integration tests. The transformers are not needed for these.
 */
const NAMESPACE = '5b0c2f0e-3f57-4d4e-9d6b-0f9c2a6e1a11';
export const SYSTEM = 'https://ohe.example.org/fhir/identifier/withings';

export function fullUrlFor(system: string, value: string): string {
  return `urn:uuid:${uuidv5(`${system}|${value}`, NAMESPACE)}`;
}

export interface ObservationOptions {
  readonly value?: number;
  readonly device?: string;
  readonly group?: string;
  readonly patient?: string;
  readonly system?: string;
}

export function heartRate(id: string, options: ObservationOptions = {}): TransformedResource<Observation> {
  const system = options.system ?? `${SYSTEM}/heart_rate`;
  const identifier = { system, value: id };
  return {
    fullUrl: fullUrlFor(system, id),
    identifier,
    ...(options.group === undefined ? {} : { group: options.group }),
    resource: {
      resourceType: 'Observation',
      identifier: [identifier],
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      subject: { reference: `Patient/${options.patient ?? 'p1'}` },
      effectiveDateTime: '2026-11-20T08:30:00+01:00',
      valueQuantity: {
        value: options.value ?? 72,
        unit: 'beats/minute',
        system: 'http://unitsofmeasure.org',
        code: '/min',
      },
      ...(options.device === undefined ? {} : { device: { reference: options.device } }),
    },
  };
}

/** A heart rate without `code`, which the R5 schema requires: the server must reject it. */
export function observationWithoutCode(id: string): TransformedResource {
  const valid = heartRate(id);
  const { code: _code, ...invalid } = valid.resource;
  // Deliberately not an Observation any more; the type system would (rightly) refuse it otherwise.
  return { ...valid, resource: invalid as unknown as Observation };
}

export function device(id: string): TransformedResource<Device> {
  const system = `${SYSTEM}/device`;
  const identifier = { system, value: id };
  return {
    fullUrl: fullUrlFor(system, id),
    identifier,
    resource: {
      resourceType: 'Device',
      identifier: [identifier],
      status: 'active',
      manufacturer: 'Withings',
      displayName: `Scale ${id}`,
    },
  };
}

export function deviceAssociation(
  id: string,
  deviceFullUrl: string,
  patient = 'p1',
): TransformedResource<DeviceAssociation> {
  const system = `${SYSTEM}/device-association`;
  const identifier = { system, value: id };
  return {
    fullUrl: fullUrlFor(system, id),
    identifier,
    resource: {
      resourceType: 'DeviceAssociation',
      identifier: [identifier],
      device: { reference: deviceFullUrl },
      subject: { reference: `Patient/${patient}` },
      status: {
        coding: [{ system: 'http://hl7.org/fhir/deviceassociation-status', code: 'attached' }],
      },
    },
  };
}

/** An ECG report with its heart-rate observation: one group, the report referencing the observation. */
export function ecgReport(id: string, deviceFullUrl?: string): TransformedResource[] {
  const system = `${SYSTEM}/ecg`;
  const reportUrl = fullUrlFor(system, id);
  const hr = heartRate(`${id}:hr`, {
    group: reportUrl,
    ...(deviceFullUrl === undefined ? {} : { device: deviceFullUrl }),
  });
  const identifier = { system, value: id };
  const report: TransformedResource<DiagnosticReport> = {
    fullUrl: reportUrl,
    identifier,
    group: reportUrl,
    resource: {
      resourceType: 'DiagnosticReport',
      identifier: [identifier],
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '11524-6', display: 'EKG study' }] },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2026-11-20T08:30:00+01:00',
      result: [{ reference: hr.fullUrl }],
    },
  };
  return [report, hr];
}

/** `count` heart-rate observations sharing one device, plus the device: a typical sync batch. */
export function syncBatch(prefix: string, count: number, value = 72): TransformedResource[] {
  const scale = device(`${prefix}-dev`);
  const observations = Array.from({ length: count }, (_, i) =>
    heartRate(`${prefix}:${i}`, { device: scale.fullUrl, value }),
  );
  return [scale, ...observations];
}
