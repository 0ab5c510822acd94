import type { Device, DeviceAssociation } from 'fhir/r5.js';
import { describe, expect, it } from 'vitest';
import { assertPublishable, loadGolden } from '../../test/fixtures/fhir/golden.js';
import type { NormalizedDevice, PatientRef } from '../common/domain/records.js';
import { transformDevice, transformDeviceAssociation, type DeviceLink } from './device.js';
import { transformRecords } from './fhir-transformer.js';

const scale: NormalizedDevice = {
  provider: 'withings',
  nativeId: 'f998be4b9ccc9e136fd8cd8e8e344c31ec3b271d',
  manufacturer: 'Withings',
  kind: 'scale',
  active: true,
};
const patient: PatientRef = { ehrUserId: 'u', fhirPatientId: 'p' };

describe(transformDevice.name, () => {
  it('should turn the golden devices into exactly the golden R5 Devices', () => {
    const golden = loadGolden<NormalizedDevice, { identifierBase?: string; patient: PatientRef }>('device');
    const out = golden.input.map((d) => transformDevice(d, golden.context.patient, golden.context));
    assertPublishable(out);
    expect(out).toStrictEqual(golden.expected);
  });

  it.each<[NormalizedDevice['kind'], Device['type']]>([
    ['scale', [{ coding: [{ system: 'http://snomed.info/sct', code: '19892000' }], text: 'Scale' }]],
    [
      'activity_tracker',
      [{ coding: [{ system: 'http://snomed.info/sct', code: '466093008' }], text: 'Activity tracker' }],
    ],
    [
      'smartwatch',
      [{ coding: [{ system: 'http://snomed.info/sct', code: '706767009' }], text: 'Wearable device' }],
    ],
    [
      'blood_pressure_monitor',
      [{ coding: [{ system: 'http://snomed.info/sct', code: '43770009' }], text: 'Sphygmomanometer' }],
    ],
    [
      'thermometer',
      [{ coding: [{ system: 'http://snomed.info/sct', code: '86184003' }], text: 'Thermometer' }],
    ],
    ['sleep_monitor', [{ text: 'Sleep monitor' }]],
    ['other', undefined],
  ])('should type a %s device as %j', (kind, type) => {
    const out = transformDevice({ ...scale, kind }, patient);
    assertPublishable([out]);
    expect(out.resource.type).toEqual(type);
  });

  it('should use only R5 elements, never R4 deviceName or patient', () => {
    const { resource } = transformDevice(
      {
        ...scale,
        model: 'Body+',
        firmwareVersion: '1.0',
        batteryPercent: 5,
      },
      patient,
    );
    expect(Object.keys(resource).sort()).toEqual(
      [
        'displayName',
        'identifier',
        'manufacturer',
        'meta',
        'name',
        'property',
        'resourceType',
        'status',
        'type',
        'version',
      ].sort(),
    );
  });

  it('should name a device without a model after its maker and kind, and prefer a battery percentage', () => {
    const { resource } = transformDevice({ ...scale, batteryPercent: 12, batteryLevel: 'low' }, patient);
    expect(resource.displayName).toBe('Withings Scale');
    expect(resource.name).toBeUndefined();
    expect(resource.property).toEqual([
      {
        type: { coding: [{ system: 'urn:iso:std:iso:11073:10101', code: '67996' }], text: 'Battery charge' },
        valueQuantity: { value: 12, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      },
    ]);
  });

  it.each([
    ['Body+', 'Withings Body+'],
    ['Withings ScanWatch 2', 'Withings ScanWatch 2'],
    ['withings body scan', 'withings body scan'],
  ])('should display model %j as %j', (model, displayName) => {
    expect(transformDevice({ ...scale, model }, patient).resource.displayName).toBe(displayName);
  });

  it('should be the Device that observations of the same device reference', () => {
    const device = transformDevice(scale, patient);
    const [obs] = transformRecords(
      [
        {
          type: 'weight',
          provider: 'withings',
          patient,
          nativeId: 'w',
          timing: { kind: 'instant', at: '2026-11-22T06:00:00Z', offsetMinutes: 0 },
          device: { provider: scale.provider, nativeId: scale.nativeId },
          kg: 80,
        },
      ],
      { issued: '2026-11-22T12:00:00Z', aggregation: 'INDIVIDUAL' },
    );
    expect(obs!.resource).toHaveProperty('device', { reference: device.fullUrl });
  });

  it('should give two patients on one scale a Device each, never the same identifier or fullUrl', () => {
    const other: PatientRef = { ehrUserId: 'v', fhirPatientId: 'q' };
    const mine = transformDevice(scale, patient);
    const theirs = transformDevice(scale, other);
    assertPublishable([mine, theirs]);
    expect(mine.identifier).toEqual({
      system: 'https://open-health-exchange.org/fhir/identifier/withings/device',
      value: `u:${scale.nativeId}`,
    });
    expect(theirs.identifier.value).toBe(`v:${scale.nativeId}`);
    expect(theirs.fullUrl).not.toBe(mine.fullUrl);
    const link = { device: scale, start: '2026-11-01T09:30:00Z' };
    expect(transformDeviceAssociation({ ...link, patient }).resource.device).toEqual({
      reference: mine.fullUrl,
    });
    expect(transformDeviceAssociation({ ...link, patient: other }).resource.device).toEqual({
      reference: theirs.fullUrl,
    });
  });
});

describe(transformDeviceAssociation.name, () => {
  it('should turn the golden links into exactly the golden R5 DeviceAssociations', () => {
    const golden = loadGolden<DeviceLink, { identifierBase?: string }>('device-association');
    const out = golden.input.map((link) => transformDeviceAssociation(link, golden.context));
    assertPublishable(out);
    expect(out).toStrictEqual(golden.expected);
  });

  it('should keep the identity of a link when it ends, so the end updates the same resource', () => {
    const link: DeviceLink = {
      device: { provider: 'withings', nativeId: scale.nativeId },
      patient,
      start: '2026-11-01T09:30:00Z',
    };
    const open = transformDeviceAssociation(link);
    const ended = transformDeviceAssociation({ ...link, end: '2026-11-20T08:00:00Z' });
    const other = transformDeviceAssociation({ ...link, patient: { ehrUserId: 'v', fhirPatientId: 'q' } });
    expect([ended.fullUrl, ended.identifier]).toEqual([open.fullUrl, open.identifier]);
    expect(other.fullUrl).not.toBe(open.fullUrl);
    const resource: DeviceAssociation = ended.resource;
    expect(resource.status).toEqual({
      coding: [{ system: 'http://hl7.org/fhir/deviceassociation-status', code: 'attached' }],
    });
    expect(resource.period).toEqual({ start: '2026-11-01T09:30:00+00:00', end: '2026-11-20T08:00:00+00:00' });
    expect(resource.device).toEqual({ reference: transformDevice(scale, patient).fullUrl });
    expect(resource).not.toHaveProperty('operation');
  });
});
