import { Logger } from '@nestjs/common';
import type { Redis, RedisOptions } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uniqueRedisPrefix } from '../../../test/support/app.js';
import { RedisClients } from '../../../test/support/redis-clients.js';
import type { QuotaSpec } from './provider-gate.js';
import { ProviderQuota, type QuotaDecision } from './provider-quota.js';

const WITHINGS_APP: QuotaSpec = { name: 'withings-app', limit: 120, periodMs: 60_000 };
const FAST: QuotaSpec = { name: 'fast', limit: 5, periodMs: 1000 };

const admitted = (decisions: readonly QuotaDecision[]): number => decisions.filter((d) => d.allowed).length;

function waitOf(decision: QuotaDecision): number {
  if (decision.allowed) {
    throw new Error('expected a refusal');
  }
  return decision.retryAfterMs;
}

describe(ProviderQuota.name, () => {
  const redis = new RedisClients();
  let prefix: string;

  /** A quota as one worker process would build it: its own connection, the deployment's prefix. */
  async function worker(options?: RedisOptions): Promise<ProviderQuota> {
    const client: Redis = await redis.connect(options);
    return new ProviderQuota({ client, key: (...parts) => [prefix, ...parts].join(':') });
  }

  async function takeTimes(quota: ProviderQuota, spec: QuotaSpec, key: string, n: number) {
    const decisions: QuotaDecision[] = [];
    for (let i = 0; i < n; i += 1) {
      decisions.push(await quota.take(spec, key));
    }
    return decisions;
  }

  beforeEach(() => {
    prefix = uniqueRedisPrefix();
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    redis.closeAll();
  });

  it('should admit exactly the limit in a burst, then refuse until the oldest call leaves the window', async () => {
    const quota = await worker();

    const burst = await takeTimes(quota, FAST, 'app', FAST.limit);
    const refused = await quota.take(FAST, 'app');

    expect(admitted(burst)).toBe(FAST.limit);
    expect(refused.allowed).toBe(false);
    expect(waitOf(refused)).toBeGreaterThanOrEqual(FAST.periodMs / FAST.limit);
    expect(waitOf(refused)).toBeLessThanOrEqual(FAST.periodMs);
    const ttl = await (await redis.any()).pttl(quota.keyOf(FAST, 'app'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(FAST.periodMs);
  });

  it('should admit again once the window has rolled past the burst, and only as many as left it', async () => {
    // Wide margins: on a loaded machine a late timer must not let the third call leave the window too.
    const spec: QuotaSpec = { name: 'rolling', limit: 3, periodMs: 1200 };
    const quota = await worker();
    await takeTimes(quota, spec, 'app', 2);
    await sleep(600);
    await takeTimes(quota, spec, 'app', 1);
    const wait = waitOf(await quota.take(spec, 'app'));

    await sleep(wait + 20);

    // The first two calls have left the window, the third has not.
    expect(admitted(await takeTimes(quota, spec, 'app', 3))).toBe(2);
  });

  it('should share one budget between processes on separate connections', async () => {
    const [workerA, workerB] = [await worker(), await worker()];

    const decisions = await Promise.all(
      Array.from({ length: 100 }, () => [
        workerA.take(WITHINGS_APP, 'app'),
        workerB.take(WITHINGS_APP, 'app'),
      ]).flat(),
    );

    expect(admitted(decisions)).toBe(WITHINGS_APP.limit);
    expect(await workerA.take(WITHINGS_APP, 'app')).toMatchObject({ allowed: false });
  });

  it('should keep per-user budgets and quota names apart', async () => {
    const quota = await worker();
    await takeTimes(quota, FAST, 'user-a', FAST.limit);

    expect(await quota.take(FAST, 'user-a')).toMatchObject({ allowed: false });
    expect(await quota.take(FAST, 'user-b')).toEqual({ allowed: true });
    expect(await quota.take({ ...FAST, name: 'other' }, 'user-a')).toEqual({ allowed: true });
    expect(quota.keyOf(FAST, 'user-a')).toBe(`${prefix}:quota:fast:user-a`);
  });

  it('should block a budget for every process while penalized, then release it', async () => {
    const [here, there] = [await worker(), await worker()];
    expect(await here.take(FAST, 'app')).toEqual({ allowed: true });

    await there.penalize(FAST, 'app', 300);
    await here.penalize(FAST, 'app', 50); // a shorter block never shortens the running one
    const refused = await here.take(FAST, 'app');

    expect(waitOf(refused)).toBeGreaterThan(200);
    expect(waitOf(refused)).toBeLessThanOrEqual(300);
    await sleep(waitOf(refused) + 20);
    expect(await there.take(FAST, 'app')).toEqual({ allowed: true });
  });

  it('should keep a penalized key alive for the whole block even past the period', async () => {
    const quota = await worker();

    await quota.penalize(FAST, 'app', 5000);

    expect(await (await redis.any()).pttl(quota.keyOf(FAST, 'app'))).toBeGreaterThan(FAST.periodMs);
    expect(waitOf(await quota.take(FAST, 'app'))).toBeGreaterThan(4000);
  });

  it("should time the window by Redis's clock, not the process's", async () => {
    const quota = await worker();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3_600_000);
    try {
      await takeTimes(quota, FAST, 'app', FAST.limit);
      expect(waitOf(await quota.take(FAST, 'app'))).toBeLessThanOrEqual(FAST.periodMs);
    } finally {
      vi.useRealTimers();
    }
  });

  it('should fail open when Redis is unreachable, logging once per minute', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const quota = await worker({ host: '127.0.0.1', port: 1 });

    const decisions = await takeTimes(quota, { ...FAST, limit: 1 }, 'app', 5);
    await expect(quota.penalize(FAST, 'app', 1000)).resolves.toBeUndefined();

    expect(admitted(decisions)).toBe(5);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/^Redis unavailable \(.+\); provider calls go unmetered/);
  });

  it('should fail open within its Redis timeout when commands queue on a dead connection', async () => {
    const quota = await worker({
      host: '127.0.0.1',
      port: 1,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });

    const started = Date.now();
    expect(await quota.take(FAST, 'app')).toEqual({ allowed: true });

    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('should reject a limit or period that is not a positive integer', async () => {
    const quota = await worker();

    await expect(quota.take({ ...FAST, limit: 0 }, 'app')).rejects.toThrow(
      "Quota 'fast': limit must be a positive integer, got 0",
    );
    await expect(quota.take({ ...FAST, periodMs: 1.5 }, 'app')).rejects.toThrow(RangeError);
  });
});
