import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_VERSION } from '../../src/common/version.js';
import { startApp, uniqueRedisPrefix, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';

const SECRET = 'withings-stats-secret-0123456789';
const PATH = `/webhooks/withings/${SECRET}`;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const zeros = { requests: 0, success_rate: 0, avg_response_time_ms: 0 };

describe('webhook health and metrics', () => {
  describe('two API instances sharing one Redis prefix', () => {
    let a: TestApp;
    let b: TestApp;
    const userid = String(100_000 + Math.floor(Math.random() * 800_000));
    let window = 1_702_000_000 + Math.floor(Math.random() * 1_000_000) * 3600;
    const nextWindow = (): { startdate: string; enddate: string } => {
      window += 3600;
      return { startdate: String(window), enddate: String(window + 600) };
    };

    beforeAll(async () => {
      const env = { ROLE: 'api', WITHINGS_WEBHOOK_SECRET: SECRET, REDIS_KEY_PREFIX: uniqueRedisPrefix() };
      [a, b] = await Promise.all([startApp(env), startApp(env)]);
      const user = await createUser(a.dataSource);
      await createLink(a.dataSource, user, 'withings', { externalUserId: userid });
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    it('should answer health 200 in the spec shape', async () => {
      const res = await a.http().get('/webhooks/health/').expect(200);
      expect(res.body).toEqual({
        status: 'healthy',
        timestamp: expect.stringMatching(ISO),
        services: { database: 'healthy', redis: 'healthy', task_queue: 'healthy' },
        version: SERVICE_VERSION,
      });
      expect(Math.abs(Date.parse(res.body.timestamp) - Date.now())).toBeLessThan(5000);
    });

    it('should report zeros for every provider before anything was received', async () => {
      const res = await a.http().get('/webhooks/metrics/').expect(200);
      expect(res.body).toEqual({
        webhook_metrics: {
          total_requests: 0,
          successful_requests: 0,
          failed_requests: 0,
          average_response_time_ms: 0,
        },
        endpoints: { withings: zeros, fitbit: zeros },
        provider_notifications: { withings: 0, fitbit: 0 },
        sync_tasks_queued: 0,
        last_updated: null,
      });
    });

    it('should count requests on either instance and report the same totals from both', async () => {
      // Two new notifications for a linked user (one task each), one for an unknown user (no task).
      await a
        .http()
        .post(PATH)
        .type('form')
        .send({ userid, appli: '1', ...nextWindow() })
        .expect(202);
      await b
        .http()
        .post(PATH)
        .type('form')
        .send({ userid, appli: '4', ...nextWindow() })
        .expect(202);
      await b
        .http()
        .post(PATH)
        .type('form')
        .send({ userid: '999999999999', appli: '1', ...nextWindow() })
        .expect(202);
      // Failures: a wrong token (404) and an invalid body (400).
      await a
        .http()
        .post('/webhooks/withings/not-the-secret-token-000')
        .type('form')
        .send({ userid, appli: '1', ...nextWindow() })
        .expect(404);
      await b.http().post(PATH).type('form').send({ userid: 'abc', appli: '1' }).expect(400);
      // The stats endpoints themselves are not counted.
      await a.http().get('/webhooks/health/').expect(200);

      // Recording is fire-and-forget: wait until all five requests have landed.
      await expect
        .poll(async (): Promise<number> => {
          const res = await a.http().get('/webhooks/metrics/');
          return (res.body as { webhook_metrics: { total_requests: number } }).webhook_metrics.total_requests;
        })
        .toBe(5);
      const fromA = (await a.http().get('/webhooks/metrics/').expect(200)).body;
      const fromB = (await b.http().get('/webhooks/metrics/').expect(200)).body;
      expect(fromA).toEqual({
        webhook_metrics: {
          total_requests: 5,
          successful_requests: 3,
          failed_requests: 2,
          average_response_time_ms: expect.any(Number),
        },
        endpoints: {
          withings: { requests: 5, success_rate: 60, avg_response_time_ms: expect.any(Number) },
          fitbit: zeros,
        },
        provider_notifications: { withings: 3, fitbit: 0 },
        sync_tasks_queued: 2,
        last_updated: expect.stringMatching(ISO),
      });
      expect(fromA.webhook_metrics.average_response_time_ms).toBeGreaterThan(0);
      expect(fromA.endpoints.withings.avg_response_time_ms).toBe(
        fromA.webhook_metrics.average_response_time_ms,
      );
      expect(fromB).toEqual(fromA);
    });
  });

  describe('with Redis unreachable', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startApp({
        ROLE: 'api',
        REDIS_URL: 'redis://127.0.0.1:1',
        HEALTH_CHECK_TIMEOUT_MS: '500',
        WITHINGS_WEBHOOK_SECRET: SECRET,
      });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should answer health 503 naming redis and the queue, with fixed texts only', async () => {
      const res = await t.http().get('/webhooks/health/').expect(503);
      expect(res.body).toEqual({
        status: 'unhealthy',
        timestamp: expect.stringMatching(ISO),
        services: { database: 'healthy', redis: 'unhealthy', task_queue: 'unhealthy' },
        version: SERVICE_VERSION,
        error: expect.stringMatching(
          /^Unhealthy services: redis \((unavailable|timeout)\), task_queue \((unavailable|timeout)\)$/,
        ),
      });
    });

    it('should still answer webhook posts, the statistics being dropped', async () => {
      // An unknown user needs no queue: accepted from the database alone, though its stats cannot be written.
      await t
        .http()
        .post(PATH)
        .type('form')
        .send({ userid: '999999999998', appli: '1', startdate: '1701942000', enddate: '1701942600' })
        .expect(202);
      await t.http().post('/webhooks/withings/not-the-secret-token-000').type('form').send({}).expect(404);
      await t.http().post(PATH).type('form').send({ userid: 'abc', appli: '1' }).expect(400);
      await t.http().get('/webhooks/metrics/').expect(503);
    });
  });
});
