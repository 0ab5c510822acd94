import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedDevice, NormalizedRecord } from '../../src/common/domain/records.js';
import { FhirConfigurationError } from '../../src/publishers/fhir-errors.js';
import { RecordPublisher } from '../../src/publishers/record-publisher.service.js';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { startPublisher, type PublisherHarness } from './fhir-publisher.harness.js';

const BASE = 'https://ohe.test';
const patient = { ehrUserId: 'rp-user-1', fhirPatientId: 'rp-patient-1' };
const watch = { provider: 'withings', nativeId: 'watch-1' };

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
    server = await FhirTestServer.start();
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
    expect([...byIdentifier.keys()].sort()).toEqual(['scale-1', 'watch-1']);
    expect(byIdentifier.get('scale-1')?.['displayName']).toBe('Withings Body+');
    expect(byIdentifier.get('watch-1')?.['type']).toBeUndefined();
    for (const obs of observations) {
      const ref = (obs['device'] as { reference: string }).reference;
      expect(ref).toMatch(/^Device\/[^/]+$/);
      expect(devices.some((d) => `Device/${String(d['id'])}` === ref)).toBe(true);
    }
    expect(
      await server.countByIdentifier('Device', `${BASE}/fhir/identifier/withings/device`, 'watch-1'),
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
});
