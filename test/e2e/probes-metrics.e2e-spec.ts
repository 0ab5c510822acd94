import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';
import { freePort } from '../support/spawn-service.js';
import { TEST_REDIS_URL } from '../support/test-env.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** Probe bodies are public: no host, port or driver message may reach them (they go to the log instead). */
function expectNoInternals(body: string, port: number): void {
  expect(body).not.toContain('127.0.0.1');
  expect(body).not.toContain(String(port));
  expect(body).not.toMatch(/ECONN|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection|refused|closed/i);
}

describe('probes and metrics', () => {
  describe('with every dependency up', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startApp();
    });
    afterAll(async () => {
      await t.close();
    });

    it('should report database, redis and queue healthy with response times', async () => {
      const res = await t.http().get('/api/metrics/health/').expect(200);
      expect(res.body).toEqual({
        status: 'healthy',
        timestamp: expect.any(Number),
        checks: {
          database: { status: 'healthy', response_time_ms: expect.any(Number) },
          redis: { status: 'healthy', response_time_ms: expect.any(Number) },
          queue: { status: 'healthy', response_time_ms: expect.any(Number), queues: expect.any(Object) },
        },
        response_time_ms: expect.any(Number),
      });
      expect(Math.abs(res.body.timestamp - Date.now() / 1000)).toBeLessThan(5);
      expect(Object.keys(res.body.checks.queue.queues).sort()).toEqual([
        'device-sync',
        'link-maintenance',
        'maintenance',
        'notifications',
        'sync-schedules',
        'user-sync',
      ]);
    });

    it('should be ready and alive', async () => {
      const ready = await t.http().get('/api/metrics/ready/').expect(200);
      expect(ready.body).toEqual({ ready: true, checks: { database: true, redis: true } });
      const live = await t.http().get('/api/metrics/live/').expect(200);
      expect(live.body).toEqual({ alive: true, timestamp: expect.any(Number) });
    });

    it('should expose Prometheus text with request metrics by route pattern and process metrics', async () => {
      await t.http().get('/api/base/providers/').expect(200);
      await t.http().get('/api/base/providers/424242/').expect(404);
      await t.http().get('/no/such/route').expect(404);
      const res = await t.http().get('/api/metrics/metrics/').expect(200);
      expect(res.headers['content-type']).toContain('text/plain');
      const text = res.text;
      expect(text).toContain('# TYPE ohe_api_requests_total counter');
      expect(text).toMatch(
        /ohe_api_requests_total\{method="GET",endpoint="api\/base\/providers",status_code="200"\} \d+/,
      );
      expect(text).toMatch(
        /ohe_api_requests_total\{method="GET",endpoint="api\/base\/providers\/:id",status_code="404"\} \d+/,
      );
      expect(text).toMatch(
        /ohe_api_requests_total\{method="GET",endpoint="unmatched",status_code="404"\} \d+/,
      );
      expect(text).toContain('# TYPE ohe_api_request_duration_seconds histogram');
      expect(text).toMatch(
        /ohe_api_request_duration_seconds_bucket\{le="0.005",method="GET",endpoint="api\/base\/providers"\}/,
      );
      expect(text).toMatch(/ohe_application_info\{version="[\d.]+",role="all"\} 1/);
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).not.toContain('424242');
    });
  });

  describe('with Redis unreachable', () => {
    let t: TestApp;
    let port: number;

    beforeAll(async () => {
      // A port that was just free: every Redis call is refused, as when Redis is down.
      // API role: a BullMQ worker's close() waits for a Redis that never comes (main.ts bounds that in production).
      port = await freePort();
      t = await startApp({
        ROLE: 'api',
        REDIS_URL: `redis://127.0.0.1:${port}`,
        HEALTH_CHECK_TIMEOUT_MS: '500',
      });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should answer health 503 in the spec shape, naming redis and the queue with fixed texts', async () => {
      const started = Date.now();
      const res = await t.http().get('/api/metrics/health/').expect(503);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.body).toEqual({
        status: 'unhealthy',
        timestamp: expect.any(Number),
        checks: {
          database: { status: 'healthy', response_time_ms: expect.any(Number) },
          redis: { status: 'unhealthy', error: expect.stringMatching(/^(unavailable|timeout)$/) },
          queue: { status: 'unhealthy', error: expect.stringMatching(/^(unavailable|timeout)$/) },
        },
        response_time_ms: expect.any(Number),
      });
      expectNoInternals(res.text, port);
    });

    it('should be not ready while staying alive', async () => {
      const ready = await t.http().get('/api/metrics/ready/').expect(503);
      expect(ready.body).toEqual({ ready: false, checks: { database: true, redis: false } });
      expectNoInternals(ready.text, port);
      await t.http().get('/api/metrics/live/').expect(200);
    });
  });

  describe('with a Redis that stops answering', () => {
    let t: TestApp;
    let proxy: TcpProxy;

    beforeAll(async () => {
      const redis = await TcpProxy.inFrontOf(TEST_REDIS_URL, 6379);
      proxy = redis.proxy;
      t = await startApp({ ROLE: 'api', REDIS_URL: redis.url, HEALTH_CHECK_TIMEOUT_MS: '300' });
    });
    afterAll(async () => {
      await t.close();
      await proxy.stop();
    });

    it('should report the redis check as a timeout, then recover', async () => {
      await t.http().get('/api/metrics/health/').expect(200);
      proxy.stall();
      const res = await t.http().get('/api/metrics/health/').expect(503);
      expect(res.body.checks.redis).toEqual({ status: 'unhealthy', error: 'timeout' });
      expect(res.body.checks.queue).toEqual({ status: 'unhealthy', error: 'timeout' });
      expectNoInternals(res.text, proxy.port);
      proxy.restore();
    });
  });

  describe('when Postgres goes away after start', () => {
    let t: TestApp;
    let proxy: TcpProxy;

    beforeAll(async () => {
      const db = await TcpProxy.inFrontOf(inject('databaseUrl'), 5432);
      proxy = db.proxy;
      t = await startApp({ DATABASE_URL: db.url, HEALTH_CHECK_TIMEOUT_MS: '500' });
    });
    afterAll(async () => {
      await t.close();
      await proxy.stop();
    });

    it('should turn unhealthy and not ready while staying alive, then recover without a restart', async () => {
      await t.http().get('/api/metrics/ready/').expect(200);
      proxy.cut();
      const res = await t.http().get('/api/metrics/health/').expect(503);
      expect(res.body.checks.database).toEqual({
        status: 'unhealthy',
        error: expect.stringMatching(/^(unavailable|timeout)$/),
      });
      expectNoInternals(res.text, proxy.port);
      expect(res.body.checks.redis.status).toBe('healthy');
      const ready = await t.http().get('/api/metrics/ready/').expect(503);
      expect(ready.body).toEqual({ ready: false, checks: { database: false, redis: true } });
      await t.http().get('/api/metrics/live/').expect(200);

      proxy.restore();
      await expect
        .poll(async () => (await t.http().get('/api/metrics/ready/')).status, { timeout: 5000 })
        .toBe(200);
    });
  });
});
