import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NormalizedDevice, NormalizedRecord, PatientRef } from '../../src/common/domain/records.js';
import { toRecords } from '../../src/ingestors/google-health/google-health.records.js';
import { FhirConfigurationError } from '../../src/publishers/fhir-errors.js';
import { RecordPublisher } from '../../src/publishers/record-publisher.service.js';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { startPublisher, type PublisherHarness } from './fhir-publisher.harness.js';

const BASE = 'https://ohe.test';
const patient = { ehrUserId: 'rp-user-1', fhirPatientId: 'rp-patient-1' };
const watch = { provider: 'withings', nativeId: 'watch-1' };
const DEVICE_SYSTEM = `${BASE}/fhir/identifier/withings/device`;
const alice: PatientRef = { ehrUserId: 'sd-alice', fhirPatientId: 'sd-patient-a' };
const bob: PatientRef = { ehrUserId: 'sd-bob', fhirPatientId: 'sd-patient-b' };
// One Body+ in a shared bathroom: Withings reports the same deviceid in both accounts.
const SCALE_ID = 'f998be4b9ccc9e136fd8cd8e8e344c31ec3b271d';
const scale: NormalizedDevice = {
  provider: 'withings',
  nativeId: SCALE_ID,
  manufacturer: 'Withings',
  kind: 'scale',
  model: 'Body+',
  active: true,
};
const LINKED_AT = new Date('2026-11-01T09:00:00Z');

function weighIns(who: PatientRef): NormalizedRecord[] {
  return [0, 1].map((day) => ({
    type: 'weight',
    provider: 'withings',
    patient: who,
    nativeId: `grp-${day}:1`,
    timing: { kind: 'instant', at: `2026-11-2${day}T07:00:00.000Z`, offsetMinutes: 60 },
    device: { provider: 'withings', nativeId: SCALE_ID },
    kg: 70 + day,
  }));
}

/** A Google point from a watch the account has not paired (no settings scope): only a display name. */
function pixelSteps(who: PatientRef): NormalizedRecord[] {
  const point = {
    name: `users/${who.ehrUserId}/dataTypes/steps/dataPoints/s1`,
    dataSource: { platform: 'FITBIT', device: { displayName: 'Pixel Watch 2' } },
    steps: { count: '50', interval: { startTime: '2026-11-21T14:00:00Z', endTime: '2026-11-21T14:01:00Z' } },
  };
  return toRecords('steps', point, { patient: who, pairedDeviceId: () => undefined, offsetForDate: () => 0 });
}

function records(): NormalizedRecord[] {
  const at = (m: number): string => new Date(Date.UTC(2026, 10, 22, 9, m)).toISOString();
  return [
    ...[0, 1, 2].map(
      (m): NormalizedRecord => ({
        type: 'heart_rate',
        provider: 'withings',
        patient,
        nativeId: `hr-${m}`,
        timing: { kind: 'instant', at: at(m), offsetMinutes: 60 },
        device: watch,
        bpm: 70 + m,
      }),
    ),
    {
      type: 'weight',
      provider: 'withings',
      patient,
      nativeId: 'grp-9:1',
      timing: { kind: 'instant', at: at(30), offsetMinutes: 60 },
      device: { provider: 'withings', nativeId: 'scale-1' },
      kg: 71.4,
    },
  ];
}

describe(RecordPublisher.name, () => {
  let server: FhirTestServer;
  let harness: PublisherHarness;
  let publisher: RecordPublisher;

  beforeAll(async () => {
    // Concurrent mode: the shared-device tests publish at once, and real servers let conditional creates race.
    server = await FhirTestServer.start({ concurrency: 'concurrent' });
    harness = await startPublisher({ FHIR_BASE_URL: server.baseUrl, FHIR_IDENTIFIER_BASE: BASE });
    publisher = harness.module.get(RecordPublisher);
  });
  afterAll(async () => {
    await harness.close();
    await server.stop();
  });

  it('should publish records with their devices, resolving every device reference, once however often replayed', async () => {
    const scale: NormalizedDevice = {
      provider: 'withings',
      nativeId: 'scale-1',
      manufacturer: 'Withings',
      kind: 'scale',
      model: 'Body+',
      active: true,
    };
    for (let i = 0; i < 3; i++) {
      await publisher.publish({ records: records(), aggregation: 'INDIVIDUAL', devices: [scale] });
    }
    const observations = await server.search('Observation', { subject: 'Patient/rp-patient-1' });
    expect(observations).toHaveLength(4);
    const devices = await server.search('Device', {});
    const byIdentifier = new Map(
      devices.map((d) => [((d['identifier'] as Array<{ value: string }>)[0] ?? { value: '' }).value, d]),
    );
    expect([...byIdentifier.keys()].sort()).toEqual(['rp-user-1:scale-1', 'rp-user-1:watch-1']);
    expect(byIdentifier.get('rp-user-1:scale-1')?.['displayName']).toBe('Withings Body+');
    expect(byIdentifier.get('rp-user-1:watch-1')?.['type']).toBeUndefined();
    for (const obs of observations) {
      const ref = (obs['device'] as { reference: string }).reference;
      expect(ref).toMatch(/^Device\/[^/]+$/);
      expect(devices.some((d) => `Device/${String(d['id'])}` === ref)).toBe(true);
    }
    expect(
      await server.countByIdentifier(
        'Device',
        `${BASE}/fhir/identifier/withings/device`,
        'rp-user-1:watch-1',
      ),
    ).toBe(1);
  });

  it('should publish one observation per metric per hour in HOURLY mode', async () => {
    const other = { ehrUserId: 'rp-user-2', fhirPatientId: 'rp-patient-2' };
    await publisher.publish({
      records: records().map((r) => ({ ...r, patient: other })),
      aggregation: 'HOURLY',
    });
    const observations = await server.search('Observation', { subject: 'Patient/rp-patient-2' });
    const codes = observations
      .map((o) => (o['code'] as { coding: Array<{ code: string }> }).coding[0]?.code)
      .sort();
    expect(codes).toEqual(['29463-7', '8867-4']);
  });

  it('should refuse a JupyterHealth Exchange publish for a patient without a JHE id', async () => {
    const jheHarness = await startPublisher({
      FHIR_TARGET: 'jhe',
      FHIR_BASE_URL: server.baseUrl,
      JHE_DATA_SOURCE_ID: '70001',
    });
    try {
      await expect(
        jheHarness.module.get(RecordPublisher).publish({ records: records(), aggregation: 'INDIVIDUAL' }),
      ).rejects.toBeInstanceOf(FhirConfigurationError);
    } finally {
      await jheHarness.close();
    }
  });

  describe('Devices shared by patients', () => {
    beforeEach(() => {
      server.reset();
    });

    const syncOf = async (who: PatientRef): Promise<void> => {
      await publisher.publishDevices(who, [scale], LINKED_AT);
      await publisher.publish({ records: weighIns(who), aggregation: 'INDIVIDUAL', devices: [scale] });
    };

    /** Every patient's Observations point at a Device that patient's one DeviceAssociation attaches. */
    async function expectOwnDevice(who: PatientRef, observationCount: number): Promise<string> {
      const subject = `Patient/${who.fhirPatientId}`;
      const associations = await server.search('DeviceAssociation', { subject });
      expect(associations).toHaveLength(1);
      const device = (associations[0]!['device'] as { reference: string }).reference;
      const observations = await server.search('Observation', { subject });
      expect(observations).toHaveLength(observationCount);
      for (const obs of observations) {
        expect(obs['device']).toEqual({ reference: device });
      }
      return device;
    }

    it('should give each patient on one scale a Device of their own, sequentially and replayed', async () => {
      for (let replay = 0; replay < 2; replay++) {
        await syncOf(alice);
        await syncOf(bob);
      }
      const a = await expectOwnDevice(alice, 2);
      const b = await expectOwnDevice(bob, 2);
      expect(a).not.toBe(b);
      expect(await server.search('Device', {})).toHaveLength(2);
      expect(await server.countByIdentifier('Device', DEVICE_SYSTEM, `sd-alice:${SCALE_ID}`)).toBe(1);
      expect(await server.countByIdentifier('Device', DEVICE_SYSTEM, `sd-bob:${SCALE_ID}`)).toBe(1);
    });

    it('should let two patients on one scale publish concurrently with no conditional write in common', async () => {
      const conditionsOf = (from: number): Set<string> =>
        new Set(
          server.requests
            .slice(from)
            .flatMap((r) => ((r.body as { entry?: unknown[] } | undefined)?.entry ?? []) as EntryJson[])
            .map((e) => e.request.ifNoneExist ?? e.request.url),
        );
      // One publish per patient at a time, as the per-link lease ensures: on this racing server two publishes of
      // the same patient at once would duplicate that patient's own creates, which is not what is tested here.
      await Promise.all([syncOf(alice), syncOf(bob)]);
      await Promise.all([syncOf(alice), syncOf(bob)]);
      await expectOwnDevice(alice, 2);
      await expectOwnDevice(bob, 2);
      // Nothing both patients write conditionally, so no server, however racy, can make them collide.
      server.reset();
      await syncOf(alice);
      const mark = server.requests.length;
      const ofAlice = conditionsOf(0);
      await syncOf(bob);
      expect([...conditionsOf(mark)].filter((c) => ofAlice.has(c))).toEqual([]);
    });

    it('should not fail for good where a racing server already left two copies of a shared Device', async () => {
      // What two unscoped conditional creates racing on HAPI leave behind: every later create answers 412.
      for (let i = 0; i < 2; i++) {
        await fetch(`${server.baseUrl}/Device`, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json' },
          body: JSON.stringify({
            resourceType: 'Device',
            identifier: [{ system: DEVICE_SYSTEM, value: SCALE_ID }],
          }),
        });
      }
      await expect(syncOf(alice)).resolves.toBeUndefined();
      await expectOwnDevice(alice, 2);
    });

    it('should never merge two patients whose unpaired Google watches share a display name', async () => {
      const [a] = pixelSteps(alice);
      const [b] = pixelSteps(bob);
      expect(a?.device?.nativeId).not.toBe('Pixel Watch 2');
      expect(a?.device).toEqual(pixelSteps(alice)[0]?.device);
      for (let replay = 0; replay < 2; replay++) {
        await publisher.publish({ records: [a!], aggregation: 'INDIVIDUAL' });
        await publisher.publish({ records: [b!], aggregation: 'INDIVIDUAL' });
      }
      const devices = await server.search('Device', {});
      expect(devices).toHaveLength(2);
      const refs = await Promise.all(
        [alice, bob].map(async (p) => {
          const [obs] = await server.search('Observation', { subject: `Patient/${p.fhirPatientId}` });
          return (obs?.['device'] as { reference: string }).reference;
        }),
      );
      expect(new Set(refs).size).toBe(2);
    });
  });
});

interface EntryJson {
  readonly request: { readonly url: string; readonly ifNoneExist?: string };
}
