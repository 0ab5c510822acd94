import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JheSimulator } from '../simulators/jhe/jhe-simulator.js';
import { SUPPORTED_OMH_CODES } from '../simulators/jhe/omh-checks.js';
import { newEhrUserId } from '../support/fixtures.js';
import { newWithingsUser } from './linking.harness.js';
import { patientsApi, syncStatus } from './patients.harness.js';
import {
  eventually,
  linkAndBackfill,
  linkIdle,
  startPipeline,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

const WEIGHT = 'omh:body-weight:3.0';

interface RejectedRow {
  data_type: string;
  status: string;
  rejected_records: number | null;
  rejected_reason: string | null;
}

/**
 * A JupyterHealth Exchange answers each entry of a batch on its own; entries of a scope the patient did not consent
 * to get a 403. They are recorded per data type (partially_rejected), counted, and fetched again on request once
 * the patient consents.
 */
describe('sync pipeline: entries a JupyterHealth Exchange refuses', { timeout: 120_000 }, () => {
  let h: PipelineHarness;
  let jhe: JheSimulator;

  beforeAll(async () => {
    jhe = await JheSimulator.start({ clientId: 'ohe', clientSecret: 'jhe-secret' });
    h = await startPipeline({
      FHIR_TARGET: 'jhe',
      FHIR_BASE_URL: `${jhe.baseUrl}/FHIR/R5`,
      JHE_DATA_SOURCE_ID: jhe.addDataSource(),
      FHIR_AUTH_MODE: 'client_credentials',
      FHIR_TOKEN_URL: jhe.tokenUrl,
      FHIR_CLIENT_ID: 'ohe',
      FHIR_CLIENT_SECRET: 'jhe-secret',
    });
  });
  afterAll(async () => {
    await h.stop();
    await jhe.stop();
  });

  const rejectedMetric = async (dataType: string, reason: string): Promise<number> => {
    const counter = h.t.app.get<Counter>(getToken('ohe_jhe_rejected_records_total'));
    return (await counter.get()).values
      .filter((v) => v.labels['data_type'] === dataType && v.labels['reason'] === reason)
      .reduce((sum, v) => sum + v.value, 0);
  };
  const rows = (linkId: number): Promise<RejectedRow[]> =>
    h.t.dataSource.query<RejectedRow[]>(
      `SELECT data_type, status, rejected_records, rejected_reason FROM sync_states WHERE link_id = $1
        ORDER BY data_type`,
      [linkId],
    );
  const resync = (ehrUserId: string, auth = h.auth): Promise<Response> =>
    fetch(`${h.base}/api/base/sync/${encodeURIComponent(ehrUserId)}/withings/resync-rejected/`, {
      method: 'POST',
      headers: auth,
    });

  it('should report refused scopes as partially_rejected and publish them after consent and a re-sync', async () => {
    const patientId = jhe.addPatient(SUPPORTED_OMH_CODES.filter((c) => c !== WEIGHT));
    const ehrUserId = newEhrUserId('jhe-refused');
    expect((await patientsApi(h, 'PUT', ehrUserId, { jhe_patient_id: patientId })).status).toBe(200);
    const userid = newWithingsUser(h.withings);
    const date = Math.floor(Date.now() / 1000) - 3_600;
    h.withings.addMeasureGroup(userid, {
      date,
      measures: [{ type: 1, value: 70_500, unit: -3 }],
      device: 'scale',
    });
    h.withings.addMeasureGroup(userid, {
      date: date + 60,
      measures: [{ type: 11, value: 64, unit: 0 }],
      device: 'scale',
    });
    const before = await rejectedMetric('weight', 'consent_missing');
    h.withings.approveNext(userid);
    const { linkId } = await linkAndBackfill(h, 'withings', 'jhe-refused', 60_000, ehrUserId);

    // Weight refused for want of consent; the other types published.
    const weight = (await rows(linkId)).find((r) => r.data_type === 'weight');
    expect(weight).toMatchObject({ status: 'partially_rejected', rejected_reason: 'consent_missing' });
    const refused = weight?.rejected_records ?? 0;
    expect(refused).toBeGreaterThanOrEqual(1);
    const others = (await rows(linkId)).filter((r) => r.data_type !== 'weight');
    expect(others.every((r) => r.status === 'completed' && r.rejected_records === null)).toBe(true);
    const mine = (): ReturnType<JheSimulator['observations']> =>
      jhe.observations().filter((o) => o.patientId === patientId);
    expect(mine().some((o) => o.code === 'omh:heart-rate:2.0')).toBe(true);
    expect(mine().some((o) => o.code === WEIGHT)).toBe(false);
    expect(await rejectedMetric('weight', 'consent_missing')).toBe(before + refused);

    const status = await syncStatus(h, ehrUserId, 'withings');
    expect(status['status']).toBe('partially_rejected');
    expect(status['rejected']).toEqual([
      { data_type: 'weight', records: refused, reason: 'consent_missing' },
    ]);

    // Only a service may ask; a re-sync without consent refuses the same entries again, counted once in the state.
    const patientKey = await h.t.app
      .get(ApiKeyService)
      .create({ name: 'patient', role: 'patient', ehrUserId });
    expect((await resync(ehrUserId, { Authorization: `Bearer ${patientKey.key}` })).status).toBe(403);
    const again = await resync(ehrUserId);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ data_types: ['weight'], rejected_records: refused });
    await eventually(() => linkIdle(h, linkId), 'the re-sync without consent');
    expect((await rows(linkId)).find((r) => r.data_type === 'weight')).toMatchObject({
      status: 'partially_rejected',
      rejected_records: refused,
    });

    jhe.grantConsent(patientId, [WEIGHT]);
    const calls = h.withings.dataCalls();
    expect((await resync(ehrUserId)).status).toBe(202);
    await eventually(() => linkIdle(h, linkId), 'the re-sync after consent');
    expect(h.withings.dataCalls()).toBeGreaterThan(calls);
    expect(mine().filter((o) => o.code === WEIGHT)).toHaveLength(refused);
    expect((await rows(linkId)).find((r) => r.data_type === 'weight')).toMatchObject({
      status: 'completed',
      rejected_records: null,
      rejected_reason: null,
    });
    const after = await syncStatus(h, ehrUserId, 'withings');
    expect(after['status']).toBe('completed');
    expect(after['rejected']).toEqual([]);

    // Nothing left to re-fetch: the route says so and queues nothing.
    const nothing = await resync(ehrUserId);
    expect(nothing.status).toBe(202);
    expect(await nothing.json()).toMatchObject({ data_types: [], rejected_records: 0, queued: false });
  });

  it('should answer 404 for an unknown patient', async () => {
    expect((await resync(newEhrUserId('jhe-nobody'))).status).toBe(404);
  });
});
