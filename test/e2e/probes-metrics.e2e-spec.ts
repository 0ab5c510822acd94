import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';
import { TcpProxy } from '../support/tcp-proxy.js';

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

    beforeAll(async () => {
      // Nothing listens on port 1: every Redis call fails, as when Redis is down.
      // API role: a BullMQ worker's close() waits for a Redis that never comes (main.ts bounds that in production).
      t = await startApp({ ROLE: 'api', REDIS_URL: 'redis://127.0.0.1:1', HEALTH_CHECK_TIMEOUT_MS: '500' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('should answer health 503 in the spec shape, naming redis and the queue', async () => {
      const started = Date.now();
      const res = await t.http().get('/api/metrics/health/').expect(503);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.body).toEqual({
        status: 'unhealthy',
        timestamp: expect.any(Number),
        checks: {
          database: { status: 'healthy', response_time_ms: expect.any(Number) },
          redis: { status: 'unhealthy', error: expect.any(String) },
          queue: { status: 'unhealthy', error: expect.any(String) },
        },
        response_time_ms: expect.any(Number),
      });
    });

    it('should be not ready while staying alive', async () => {
      const ready = await t.http().get('/api/metrics/ready/').expect(503);
      expect(ready.body).toEqual({ ready: false, checks: { database: true, redis: false } });
      await t.http().get('/api/metrics/live/').expect(200);
    });
  });

  describe('when Postgres goes away after start', () => {
    let t: TestApp;
    let proxy: TcpProxy;

    beforeAll(async () => {
      const db = new URL(inject('databaseUrl'));
      proxy = await new TcpProxy(db.hostname, Number(db.port || 5432)).start();
      db.host = `127.0.0.1:${proxy.port}`;
      t = await startApp({ DATABASE_URL: db.toString(), HEALTH_CHECK_TIMEOUT_MS: '500' });
    });
    afterAll(async () => {
      await t.close();
      await proxy.stop();
    });

    it('should turn unhealthy and not ready while staying alive, then recover without a restart', async () => {
      await t.http().get('/api/metrics/ready/').expect(200);
      proxy.cut();
      const res = await t.http().get('/api/metrics/health/').expect(503);
      expect(res.body.checks.database).toEqual({ status: 'unhealthy', error: expect.any(String) });
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
