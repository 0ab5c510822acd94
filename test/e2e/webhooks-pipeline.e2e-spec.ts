import { PinoLogger } from 'nestjs-pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';

const SECRET = 'withings-pipeline-secret-0123456789';
const PATH = `/webhooks/withings/${SECRET}`;

/**
 * A verified, valid notification is answered by the webhook pipeline before Nest's router: it must still carry
 * the request id and rate-limit headers, and still leave one access log line naming the route by its template.
 * (pino-http logs through a per-request child logger; the pipeline writes its line on the root logger.)
 */
describe('webhook pipeline', () => {
  let t: TestApp;
  const userid = String(100_000 + Math.floor(Math.random() * 800_000));
  let startdate = 1_703_000_000 + Math.floor(Math.random() * 1_000_000) * 3600;

  beforeAll(async () => {
    t = await startApp({ ROLE: 'api', WITHINGS_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'info' });
    await createLink(t.dataSource, await createUser(t.dataSource), 'withings', { externalUserId: userid });
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await t.close();
  });

  const accessLines = (spy: { mock: { calls: unknown[][] } }): unknown[] =>
    spy.mock.calls.filter((args) => args[1] === 'request completed').map((args) => args[0]);

  it('should answer a genuine notification with its headers and one access line by route template', async () => {
    const info = vi.spyOn(PinoLogger.root, 'info');
    startdate += 3600;
    const res = await t
      .http()
      .post(`${PATH}/`)
      .set('X-Request-ID', 'pipeline-test-1')
      .type('form')
      .send({ userid, appli: '1', startdate: String(startdate) })
      .expect(202);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-request-id']).toBe('pipeline-test-1');
    expect(res.headers['x-ratelimit-limit']).toEqual(expect.any(String));
    expect(res.body).toEqual({
      status: 'accepted',
      provider: 'withings',
      sync_tasks_queued: 1,
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const lines = accessLines(info);
    expect(lines).toEqual([
      expect.objectContaining({
        request_id: 'pipeline-test-1',
        req: { id: 'pipeline-test-1', method: 'POST', url: '/webhooks/withings/:token' },
        res: expect.objectContaining({ statusCode: 202 }),
        duration_ms: expect.any(Number),
        route: '/webhooks/withings/:token',
        status: 202,
      }),
    ]);
    expect(JSON.stringify({ ...(lines[0] as object), res: undefined })).not.toContain(SECRET);
  });

  it('should leave an invalid body to the controller: 400 validation_error with the request id', async () => {
    const info = vi.spyOn(PinoLogger.root, 'info');
    const res = await t.http().post(PATH).type('form').send({ appli: '1' }).expect(400);
    expect(res.body).toMatchObject({ error: 'validation_error', request_id: res.headers['x-request-id'] });
    expect(accessLines(info)).toEqual([]);
  });
});
