import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorBody, patientAuth } from './auth.helpers.js';
import { newWithingsUser } from './linking.harness.js';
import { callApi, linkAndBackfill, startPipeline, type PipelineHarness } from './sync-pipeline.harness.js';

const APPLIS = ['1', '2', '4', '16', '44', '46', '54', '62'];

/** GET /api/base/links/{ehr_user_id}/{provider}/subscriptions/ and POST …/repair/: one link's notify subscriptions. */
describe('link subscriptions API', { timeout: 120_000 }, () => {
  let h: PipelineHarness;
  let link: { ehrUserId: string; linkId: number };
  let userid: number;

  const call = (
    method: string,
    path: string,
    headers: Record<string, string> = h.auth,
  ): ReturnType<typeof callApi> => callApi(h, method, `/api/base/links/${path}`, headers);

  beforeAll(async () => {
    h = await startPipeline();
    userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    link = await linkAndBackfill(h, 'withings', 'subscriptions');
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should show the subscriptions made at link time, then one Withings dropped, then repair it (audited)', async () => {
    const path = `${link.ehrUserId}/withings/subscriptions/`;
    const whole = await call('GET', path);
    expect(whole.status).toBe(200);
    expect(whole.body).toEqual({
      ehr_user_id: link.ehrUserId,
      provider: 'withings',
      scope: 'per_user',
      healthy: true,
      subscriptions: APPLIS.map((name) => ({ name, status: 'current' })),
    });

    h.withings.cancelSubscriptions(userid, 44);
    const broken = await call('GET', path);
    expect(broken.body).toMatchObject({ healthy: false });
    expect(broken.body['subscriptions']).toContainEqual({ name: '44', status: 'missing' });

    const repaired = await call('POST', `${path}repair/`, { ...h.auth, 'X-Request-ID': 'repair-subs-1' });
    expect(repaired).toMatchObject({
      status: 200,
      body: { ehr_user_id: link.ehrUserId, provider: 'withings', added: ['44'], replaced: [], removed: [] },
    });
    expect((await call('GET', path)).body).toMatchObject({ healthy: true });
    const audits = await h.t.dataSource.query<{ action: string }[]>(
      `SELECT action FROM audit_events WHERE request_id = $1`,
      ['repair-subs-1'],
    );
    expect(audits).toEqual([{ action: 'subscriptions.repaired' }]);
  });

  it('should answer 404 for a patient without the link and 403 to patient credentials', async () => {
    expectErrorBody(await call('GET', `${link.ehrUserId}/fitbit/subscriptions/`), 404, 'not_found');
    expectErrorBody(await call('GET', `${link.ehrUserId}/myspace/subscriptions/`), 400, 'validation_error');
    const patient = await patientAuth(h.t, link.ehrUserId);
    expectErrorBody(
      await call('GET', `${link.ehrUserId}/withings/subscriptions/`, patient),
      403,
      'forbidden',
    );
    expectErrorBody(
      await call('POST', `${link.ehrUserId}/withings/subscriptions/repair/`, patient),
      403,
      'forbidden',
    );
  });
});
