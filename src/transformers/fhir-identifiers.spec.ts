import type { Observation, Reference } from 'fhir/r5.js';
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { NormalizedRecord } from '../common/domain/records.js';
import { transformRecords } from './fhir-transformer.js';
import type { TransformedResource } from './transformed-resource.js';
import {
  deviceAssociationIdentity,
  deviceIdentity,
  OHE_FHIR_NAMESPACE,
  patientScopedValue,
  recordIdentity,
  uuidV5,
} from './fhir-identifiers.js';

const BASE = 'https://open-health-exchange.org';
const ctx = { issued: '2026-11-22T12:00:00Z', aggregation: 'INDIVIDUAL' } as const;
const record = (ehrUserId: string, fhirPatientId: string): NormalizedRecord => ({
  type: 'ecg',
  provider: 'withings',
  patient: { ehrUserId, fhirPatientId },
  nativeId: '48',
  timing: { kind: 'instant', at: '2026-11-22T09:00:00Z', offsetMinutes: 60 },
  device: { provider: 'withings', nativeId: 'dev-1' },
  samplingFrequencyHz: 300,
  samples: [1, 2, 3],
  factor: 1,
  unit: 'uV',
  lead: 'I',
  classification: 'sinus_rhythm',
  heartRateBpm: 60,
});

describe('FHIR identifiers', () => {
  it.each([
    'https://open-health-exchange.org/fhir/identifier/withings/heart_rate|user-1:4815757309:11',
    'https://open-health-exchange.org/fhir/identifier/fitbit/sleep|ü-nicode:users/1/dataTypes/sleep/dataPoints/2',
    '',
    `https://open-health-exchange.org/fhir/identifier/fitbit/sleep|${'€'.repeat(1400)}`,
  ])('should compute the same UUIDv5 as the uuid package for %j', (name) => {
    expect(uuidV5(name)).toBe(uuidv5(name, OHE_FHIR_NAMESPACE));
  });

  it('should give identical identifiers and fullUrls for identical input', () => {
    const a = transformRecords([record('user-1', 'p1')], ctx);
    const b = transformRecords([record('user-1', 'p1')], ctx);
    expect(b.map((r) => [r.fullUrl, r.identifier, r.group])).toEqual(
      a.map((r) => [r.fullUrl, r.identifier, r.group]),
    );
    expect(a.map((r) => r.identifier)).toEqual([
      { system: `${BASE}/fhir/identifier/withings/ecg`, value: 'user-1:48' },
      { system: `${BASE}/fhir/identifier/withings/ecg-waveform`, value: 'user-1:48' },
      { system: `${BASE}/fhir/identifier/withings/ecg-heart_rate`, value: 'user-1:48' },
    ]);
  });

  it('should never let two patients with the same native id share an identifier or fullUrl', () => {
    const a = transformRecords([record('user-1', 'p1')], ctx);
    const b = transformRecords([record('user-2', 'p2')], ctx);
    const urls = new Set([...a, ...b].map((r) => r.fullUrl));
    const values = new Set([...a, ...b].map((r) => `${r.identifier.system}|${r.identifier.value}`));
    expect(urls.size).toBe(6);
    expect(values.size).toBe(6);
    // Two patients on one scale get a Device each: nothing they publish is shared, so nothing races.
    const deviceOf = (r: TransformedResource): Reference | undefined => (r.resource as Observation).device;
    const dev = { provider: 'withings', nativeId: 'dev-1' };
    expect(deviceOf(a[1]!)).toEqual({
      reference: deviceIdentity(BASE, dev, { ehrUserId: 'user-1', fhirPatientId: 'p1' }).fullUrl,
    });
    expect(deviceOf(b[1]!)).toEqual({
      reference: deviceIdentity(BASE, dev, { ehrUserId: 'user-2', fhirPatientId: 'p2' }).fullUrl,
    });
    expect(deviceOf(b[1]!)).not.toEqual(deviceOf(a[1]!));
  });

  it('should keep values readable, with no hash in them', () => {
    for (const r of transformRecords([record('user-1', 'p1')], ctx)) {
      expect(r.identifier.value).toBe('user-1:48');
      expect(r.identifier.value).not.toMatch(/[0-9a-f]{16,}/);
      expect(r.fullUrl).toMatch(
        /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(r.fullUrl).toBe(
        `urn:uuid:${uuidv5(`${r.identifier.system}|${r.identifier.value}`, OHE_FHIR_NAMESPACE)}`,
      );
    }
  });

  it.each([
    ['user-1', '4815757309:11', 'user-1:4815757309:11'],
    ['a:b', 'c', 'a%3Ab:c'],
    ['a', 'b:c', 'a:b:c'],
    ['50%', 'x', '50%25:x'],
    ['org@ehr.example', 'x', 'org@ehr.example:x'],
  ])('should scope native id to ehrUserId %j without ambiguity', (ehrUserId, localId, expected) => {
    expect(patientScopedValue(ehrUserId, localId)).toBe(expected);
  });

  it('should identify devices and associations by patient and provider device id', () => {
    const device = { provider: 'withings', nativeId: 'f998be4b9ccc' };
    const patient = { ehrUserId: 'user-1', fhirPatientId: 'p1' };
    expect(deviceIdentity(BASE, device, patient)).toEqual({
      identifier: { system: `${BASE}/fhir/identifier/withings/device`, value: 'user-1:f998be4b9ccc' },
      fullUrl: `urn:uuid:${uuidv5(`${BASE}/fhir/identifier/withings/device|user-1:f998be4b9ccc`, OHE_FHIR_NAMESPACE)}`,
    });
    expect(deviceAssociationIdentity(BASE, device, patient).identifier).toEqual({
      system: `${BASE}/fhir/identifier/withings/device-association`,
      value: 'user-1:f998be4b9ccc',
    });
    expect(
      recordIdentity(BASE, 'fitbit', 'heart_rate-hourly', patient, '2026-11-22T10:00:00Z').identifier,
    ).toEqual({
      system: `${BASE}/fhir/identifier/fitbit/heart_rate-hourly`,
      value: 'user-1:2026-11-22T10:00:00Z',
    });
  });
});
