import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_BREAKER } from '../../src/common/resilience/circuit-breaker.js';
import { CircuitBreakerRegistry } from '../../src/common/resilience/circuit-breaker.registry.js';
import { expectErrorBody, patientAuth } from './auth.helpers.js';
import { callApi, startPipeline, type PipelineHarness } from './sync-pipeline.harness.js';

type Body = Record<string, unknown>;
interface Breaker {
  name: string;
  state: string;
  failures: number;
  opened_at: string | null;
}

/** GET /api/base/breakers/ and POST /api/base/breakers/{name}/close/: shared breaker state, audited. */
describe('breakers API', { timeout: 60_000 }, () => {
  let h: PipelineHarness;

  const call = (
    method: string,
    path: string,
    headers: Record<string, string> = h.auth,
  ): ReturnType<typeof callApi> => callApi(h, method, `/api/base/breakers/${path}`, headers);
  const listed = async (): Promise<Breaker[]> => (await call('GET', '')).body['breakers'] as Breaker[];
  const audits = (requestId: string): Promise<{ action: string; details: Body }[]> =>
    h.t.dataSource.query(`SELECT action, details FROM audit_events WHERE request_id = $1`, [requestId]);

  beforeAll(async () => {
    h = await startPipeline();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should list every provider breaker and the FHIR target, including one opened by failures', async () => {
    const closed = await listed();
    expect(closed.map((b) => b.name).sort()).toEqual(['fhir', 'provider:fitbit', 'provider:withings']);
    expect(closed.every((b) => b.state === 'closed' && b.opened_at === null)).toBe(true);

    const breaker = h.t.app.get(CircuitBreakerRegistry).get('provider:withings', PROVIDER_BREAKER);
    for (let i = 0; i < PROVIDER_BREAKER.failureThreshold; i += 1) {
      await expect(breaker.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    }
    const res = await call('GET', '', { ...h.auth, 'X-Request-ID': 'list-breakers-1' });
    expect(res.status).toBe(200);
    const withings = (res.body['breakers'] as Breaker[]).find((b) => b.name === 'provider:withings');
    expect(withings).toMatchObject({ state: 'open', failures: PROVIDER_BREAKER.failureThreshold });
    expect(withings?.opened_at).toEqual(expect.any(String));
    expect(await audits('list-breakers-1')).toEqual([
      { action: 'breakers.listed', details: { open: ['provider:withings'] } },
    ]);
  });

  it('should force-close a breaker for every process, audited with the request id', async () => {
    const breaker = h.t.app.get(CircuitBreakerRegistry).get('provider:withings', PROVIDER_BREAKER);
    for (let i = 0; i < PROVIDER_BREAKER.failureThreshold; i += 1) {
      await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    }
    const res = await call('POST', 'provider:withings/close/', {
      ...h.auth,
      'X-Request-ID': 'close-breaker-1',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'provider:withings', previous_state: 'open', state: 'closed' });
    expect((await listed()).find((b) => b.name === 'provider:withings')).toMatchObject({
      state: 'closed',
      failures: 0,
      opened_at: null,
    });
    expect(await audits('close-breaker-1')).toEqual([
      {
        action: 'breaker.force_closed',
        details: {
          breaker: 'provider:withings',
          previous_state: 'open',
          failures: PROVIDER_BREAKER.failureThreshold,
        },
      },
    ]);
    await expect(breaker.execute(() => Promise.resolve('flows'))).resolves.toBe('flows');
  });

  it('should answer 404 for an unknown breaker and 403 to patient credentials', async () => {
    expectErrorBody(await call('POST', 'provider:nope/close/'), 404, 'not_found');
    const patient = await patientAuth(h.t, 'breaker-patient');
    expectErrorBody(await call('GET', '', patient), 403, 'forbidden');
    expectErrorBody(await call('POST', 'fhir/close/', patient), 403, 'forbidden');
  });
});
