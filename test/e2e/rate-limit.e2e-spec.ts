import type supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { startApp, uniqueRedisPrefix, type TestApp } from '../support/app.js';
import { createUser, newEhrUserId } from '../support/fixtures.js';

const PROVIDERS = '/api/base/providers/';

/** Sends `count` GETs in parallel batches of `batch`, returning the responses in send order. */
async function burst(send: () => supertest.Test, count: number, batch = 20): Promise<supertest.Response[]> {
  const out: supertest.Response[] = [];
  for (let sent = 0; sent < count; sent += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - sent) }, () => send()))));
  }
  return out;
}

function header(res: supertest.Response, name: string): string | undefined {
  const value: unknown = res.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

function rateHeaders(res: supertest.Response): { limit?: string; remaining?: string; reset?: string } {
  return {
    limit: header(res, 'X-RateLimit-Limit'),
    remaining: header(res, 'X-RateLimit-Remaining'),
    reset: header(res, 'X-RateLimit-Reset'),
  };
}

function expectRateLimited(res: supertest.Response, limit: number): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({
    error: 'rate_limit_exceeded',
    message: 'Rate limit exceeded',
    limit,
    window_seconds: 60,
    retry_after: expect.any(Number),
    details: {},
    timestamp: expect.any(String),
    request_id: expect.any(String),
  });
  const retryAfter = res.body.retry_after as number;
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  expect(header(res, 'Retry-After')).toBe(String(retryAfter));
  expect(header(res, 'X-RateLimit-Limit')).toBe(String(limit));
  expect(header(res, 'X-RateLimit-Remaining')).toBe('0');
}

describe('rate limits', () => {
  const apps: TestApp[] = [];
  const boot = async (env: Record<string, string> = {}): Promise<TestApp> => {
    const app = await startApp(env);
    apps.push(app);
    return app;
  };
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it('should set X-RateLimit-Limit, a decreasing Remaining and an epoch-seconds Reset on provider routes', async () => {
    const t = await boot();
    const before = Date.now() / 1000;
    const seen = [];
    for (const path of [
      PROVIDERS,
      `${PROVIDERS}capabilities/`,
      PROVIDERS,
      `${PROVIDERS}999999/`,
      PROVIDERS,
    ]) {
      seen.push(await t.http().get(path));
    }
    const after = Date.now() / 1000;
    expect(seen.map((r) => r.status)).toEqual([200, 200, 200, 404, 200]);
    expect(seen.map((r) => rateHeaders(r).limit)).toEqual(['100', '100', '100', '100', '100']);
    expect(seen.map((r) => rateHeaders(r).remaining)).toEqual(['99', '98', '97', '96', '95']);
    const reset = rateHeaders(seen[0]!).reset ?? '';
    expect(reset).toMatch(/^\d+$/);
    expect(Number(reset)).toBeGreaterThan(before);
    expect(Number(reset)).toBeLessThanOrEqual(Math.ceil(after) + 60);
    // One fixed window: every response names the same reset instant.
    expect(new Set(seen.map((r) => rateHeaders(r).reset))).toEqual(new Set([reset]));
  });

  it('should answer the 101st provider request within a minute with 429 and Retry-After', async () => {
    const t = await boot();
    const allowed = await burst(() => t.http().get(PROVIDERS), 100);
    expect(allowed.filter((r) => r.status !== 200)).toEqual([]);
    expect(new Set(allowed.map((r) => rateHeaders(r).remaining)).size).toBe(100);
    expect(allowed.map((r) => Number(rateHeaders(r).remaining)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );

    const limited = await t.http().get(PROVIDERS);
    expectRateLimited(limited, 100);
    // Every response of the window, refused or not, names the same reset instant.
    expect([...new Set([...allowed, limited].map((r) => rateHeaders(r).reset))]).toEqual([
      rateHeaders(limited).reset,
    ]);
    expect(Number(header(limited, 'X-RateLimit-Reset'))).toBeLessThanOrEqual(
      Math.ceil(Date.now() / 1000) + 60,
    );
    // The budget covers the whole provider_info category, not just one path.
    expectRateLimited(await t.http().get(`${PROVIDERS}capabilities/`), 100);
  });

  describe('per patient', () => {
    let t: TestApp;
    let auth: string;

    beforeAll(async () => {
      t = await boot({ RATE_LIMIT_USER_SYNC_STATUS: '3' });
      auth = `Bearer ${(await t.app.get(ApiKeyService).create({ name: 'rl-service', role: 'service' })).key}`;
    });
    const status = (app: TestApp, ehrUserId: string, authorization: string): supertest.Test =>
      app.http().get(`/api/base/sync/status/?ehr_user_id=${ehrUserId}`).set('Authorization', authorization);

    it('should limit user_sync_status per target patient, so exhausting A leaves B its budget', async () => {
      const a = (await createUser(t.dataSource, newEhrUserId('rl-a'))).ehrUserId;
      const b = (await createUser(t.dataSource, newEhrUserId('rl-b'))).ehrUserId;
      const first = [];
      for (let i = 0; i < 3; i++) {
        first.push(await status(t, a, auth));
      }
      expect(first.map((r) => [r.status, rateHeaders(r).limit, rateHeaders(r).remaining])).toEqual([
        [200, '3', '2'],
        [200, '3', '1'],
        [200, '3', '0'],
      ]);
      expectRateLimited(await status(t, a, auth), 3);
      // The link status route draws on the same per-patient budget.
      expectRateLimited(
        await t.http().get(`/api/base/link/withings/status/?ehr_user_id=${a}`).set('Authorization', auth),
        3,
      );

      const other = await status(t, b, auth);
      expect(other.status).toBe(200);
      expect(other.body.ehr_user_id).toBe(b);
      expect(rateHeaders(other)).toMatchObject({ limit: '3', remaining: '2' });
    });

    it("should not spend a patient's budget on unauthenticated requests or on other patients' keys", async () => {
      const victim = (await createUser(t.dataSource, newEhrUserId('rl-victim'))).ehrUserId;
      const mallory = (await createUser(t.dataSource, newEhrUserId('rl-mallory'))).ehrUserId;
      const { key } = await t.app
        .get(ApiKeyService)
        .create({ name: 'mallory', role: 'patient', ehrUserId: mallory });
      for (let i = 0; i < 3; i++) {
        expect((await t.http().get(`/api/base/sync/status/?ehr_user_id=${victim}`)).status).toBe(401);
        expect((await status(t, victim, `Bearer ${key}`)).status).toBe(404);
      }
      const res = await status(t, victim, auth);
      expect(res.status).toBe(200);
      expect(rateHeaders(res)).toMatchObject({ limit: '3', remaining: '2' });
      // Mallory's probing spent her own budget instead.
      expectRateLimited(await status(t, mallory, `Bearer ${key}`), 3);
    });
  });

  it('should share counters through Redis across instances with the same key prefix', async () => {
    const env = { REDIS_KEY_PREFIX: uniqueRedisPrefix(), RATE_LIMIT_PROVIDER_INFO: '5' };
    const [one, two] = [await boot(env), await boot(env)];
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await (i % 2 === 0 ? one : two).http().get(PROVIDERS));
    }
    expect(results.map((r) => [r.status, rateHeaders(r).remaining])).toEqual([
      [200, '4'],
      [200, '3'],
      [200, '2'],
      [200, '1'],
      [200, '0'],
    ]);
    expectRateLimited(await two.http().get(PROVIDERS), 5);
    expectRateLimited(await one.http().get(PROVIDERS), 5);
  });

  it('should set no X-RateLimit headers on routes without a policy', async () => {
    const t = await boot();
    for (const path of ['/api/metrics/live', '/api/metrics/health']) {
      const res = await t.http().get(path).expect(200);
      expect(rateHeaders(res)).toEqual({ limit: undefined, remaining: undefined, reset: undefined });
    }
  });

  it('should let provider info through without rate-limit headers when Redis is unreachable', async () => {
    // API role: a BullMQ worker's close() waits for a Redis that never comes (main.ts bounds that in production).
    const t = await boot({ ROLE: 'api', REDIS_URL: 'redis://127.0.0.1:1' });
    for (let i = 0; i < 3; i++) {
      const res = await t.http().get(PROVIDERS);
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(2);
      expect(rateHeaders(res)).toEqual({ limit: undefined, remaining: undefined, reset: undefined });
    }
  });
});
