import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedRecord } from '../../src/common/domain/records.js';
import { FhirRetryableError } from '../../src/publishers/fhir-errors.js';
import { JhePublisher } from '../../src/publishers/jhe/jhe-publisher.service.js';
import { toJheObservations } from '../../src/transformers/omh/jhe-observation.js';
import { JheSimulator } from '../simulators/jhe/jhe-simulator.js';
import { startPublisher, type PublisherHarness } from './fhir-publisher.harness.js';

const patient = { ehrUserId: 'jhe-user-1', fhirPatientId: 'p1' };
const at = (minute: number): string => new Date(Date.UTC(2026, 10, 22, 10, minute)).toISOString();

function records(): NormalizedRecord[] {
  return [
    ...Array.from(
      { length: 5 },
      (_, i): NormalizedRecord => ({
        type: 'heart_rate',
        provider: 'withings',
        patient,
        nativeId: `hr-${i}`,
        timing: { kind: 'instant', at: at(i), offsetMinutes: 60 },
        bpm: 60 + i,
      }),
    ),
    {
      type: 'blood_pressure',
      provider: 'withings',
      patient,
      nativeId: 'bp-1',
      timing: { kind: 'instant', at: at(30), offsetMinutes: 60 },
      systolicMmHg: 122,
      diastolicMmHg: 81,
    },
    {
      type: 'steps',
      provider: 'fitbit',
      patient,
      nativeId: 'steps-day',
      timing: {
        kind: 'period',
        start: '2026-11-21T23:00:00.000Z',
        end: '2026-11-22T23:00:00.000Z',
        offsetMinutes: 60,
      },
      count: 9120,
    },
  ];
}

describe(JhePublisher.name, () => {
  let jhe: JheSimulator;
  let harness: PublisherHarness;
  let publisher: JhePublisher;
  let patientId: string;
  let dataSourceId: string;

  beforeAll(async () => {
    jhe = await JheSimulator.start({ clientId: 'ohe', clientSecret: 's3cret' });
    patientId = jhe.addPatient();
    dataSourceId = jhe.addDataSource();
    harness = await startPublisher({
      FHIR_TARGET: 'jhe',
      FHIR_BASE_URL: `${jhe.baseUrl}/FHIR/R5`,
      JHE_DATA_SOURCE_ID: dataSourceId,
      FHIR_BATCH_SIZE: '3',
      FHIR_AUTH_MODE: 'client_credentials',
      FHIR_TOKEN_URL: jhe.tokenUrl,
      FHIR_CLIENT_ID: 'ohe',
      FHIR_CLIENT_SECRET: 's3cret',
    });
    publisher = harness.module.get(JhePublisher);
  });
  afterAll(async () => {
    await harness.close();
    await jhe.stop();
  });

  const wrap = (rs: NormalizedRecord[], pid = patientId): ReturnType<typeof toJheObservations> =>
    rs.flatMap((r) =>
      toJheObservations(r, { identifierBase: 'https://ohe.test', patientId: pid, dataSourceId }),
    );

  it('should store every data point once, however often the same batch is published', async () => {
    const resources = wrap(records());
    const first = await publisher.publish(resources);
    expect(first).toEqual({ created: 7, updated: 0, unchanged: 0, rejected: 0, bundles: 3 });
    for (let i = 0; i < 4; i++) {
      expect(await publisher.publish(resources)).toEqual({
        created: 0,
        updated: 0,
        unchanged: 7,
        rejected: 0,
        bundles: 3,
      });
    }
    for (const r of resources) {
      expect(jhe.countByIdentifier(r.identifier.system, r.identifier.value)).toBe(1);
    }
    const stored = jhe.observations().filter((o) => o.patientId === patientId);
    expect(stored.map((o) => o.code).sort()).toEqual([
      'omh:blood-pressure:4.0',
      'omh:heart-rate:2.0',
      'omh:heart-rate:2.0',
      'omh:heart-rate:2.0',
      'omh:heart-rate:2.0',
      'omh:heart-rate:2.0',
      'omh:step-count:3.0',
    ]);
    expect(stored.every((o) => o.dataSourceId === dataSourceId)).toBe(true);
  });

  it('should report the entries JHE refuses (no consent) with their reason without failing the others', async () => {
    const heartRateOnly = jhe.addPatient(['omh:heart-rate:2.0']);
    const result = await publisher.publish(
      wrap(
        records().map((r) => ({ ...r, patient: { ehrUserId: 'jhe-user-2', fhirPatientId: 'p2' } })),
        heartRateOnly,
      ),
    );
    expect(result).toMatchObject({ created: 5, updated: 0, unchanged: 0, rejected: 2, bundles: 3 });
    // Which data types, and why: the sync records them and fetches them again once the patient consents.
    expect(result.refused).toEqual([
      {
        resourceType: 'Observation',
        identifierSystem: 'https://ohe.test/fhir/identifier/withings/blood_pressure-omh',
        reason: 'consent_missing',
      },
      {
        resourceType: 'Observation',
        identifierSystem: 'https://ohe.test/fhir/identifier/fitbit/steps-omh',
        reason: 'consent_missing',
      },
    ]);
  });

  it('should surface a JHE outage as a retryable error', async () => {
    jhe.failNext(503);
    const err: unknown = await publisher.publish(wrap(records().slice(0, 1))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FhirRetryableError);
    expect((err as FhirRetryableError).status).toBe(503);
  });
});
