import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uniqueRedisPrefix } from '../../../test/support/app.js';
import { RedisClients } from '../../../test/support/redis-clients.js';
import { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions } from './circuit-breaker.js';

// The Redis side of the breaker: one breaker across processes, one clock, and what happens without Redis.
describe(`${CircuitBreaker.name} in Redis`, () => {
  const redis = new RedisClients();
  let prefix: string;
  let calls: number;
  const ok = (): Promise<string> => {
    calls += 1;
    return Promise.resolve('ok');
  };
  const fail = (): Promise<never> => {
    calls += 1;
    return Promise.reject(new Error('503 from upstream'));
  };

  const connect = (options?: RedisOptions): Promise<Redis> => redis.connect(options);

  function breaker(client: Redis, options: Partial<CircuitBreakerOptions> = {}): CircuitBreaker {
    return new CircuitBreaker(
      { client, key: (...parts) => [prefix, ...parts].join(':') },
      { name: 'fhir', failureThreshold: 3, openMs: 1000, successThreshold: 2, ...options },
    );
  }

  async function failTimes(b: CircuitBreaker, times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      await expect(b.execute(fail)).rejects.toThrow('503 from upstream');
    }
  }

  beforeEach(() => {
    prefix = uniqueRedisPrefix();
    calls = 0;
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    redis.closeAll();
  });

  it('should share one breaker between processes on separate connections', async () => {
    const workerA = breaker(await connect());
    const workerB = breaker(await connect());
    await failTimes(workerA, 2);
    await failTimes(workerB, 1);

    await expect(workerA.execute(ok)).rejects.toThrow(CircuitOpenError);
    await expect(workerB.execute(ok)).rejects.toThrow(CircuitOpenError);
    expect(calls).toBe(3);
  });

  it('should admit one probe across all processes while half-open', async () => {
    const workers = [breaker(await connect(), { openMs: 200 }), breaker(await connect(), { openMs: 200 })];
    await failTimes(workers[0]!, 3);
    await sleep(250);

    let release: () => void = () => undefined;
    const hanging = (): Promise<string> => {
      calls += 1;
      return new Promise((resolve) => {
        release = () => {
          resolve('probed');
        };
      });
    };
    const results = Promise.allSettled(
      workers.flatMap((w) => Array.from({ length: 10 }, () => w.execute(hanging))),
    );
    await vi.waitFor(() => {
      expect(calls).toBe(4);
    });
    await sleep(50);
    release();
    const settled = await results;

    expect(calls).toBe(4);
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      settled.filter((r) => r.status === 'rejected' && r.reason instanceof CircuitOpenError),
    ).toHaveLength(19);
  });

  it("should time the open period by Redis's clock, not the process's", async () => {
    const client = await connect();
    const b = breaker(client, { failureThreshold: 1 });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3_600_000);
    try {
      await failTimes(b, 1);
      const err = (await b.execute(ok).catch((e: unknown) => e)) as CircuitOpenError;
      const [redisSeconds] = await client.time();

      expect(err).toBeInstanceOf(CircuitOpenError);
      expect(err.retryAfterMs).toBeGreaterThan(500);
      expect(err.retryAfterMs).toBeLessThanOrEqual(1000);
      const openedAt = Number(await client.hget(b.key, 'opened_at'));
      expect(Math.abs(openedAt - Number(redisSeconds) * 1000)).toBeLessThan(2000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('should fail open and call fn when Redis is unreachable, logging once', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const b = breaker(await connect({ host: '127.0.0.1', port: 1 }), { failureThreshold: 1 });

    await failTimes(b, 3);
    await expect(b.execute(ok)).resolves.toBe('ok');

    expect(calls).toBe(4);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/^Redis unavailable \(.+\); calls go through unprotected/);
  });

  it('should fail open within its Redis timeout when commands queue on a dead connection', async () => {
    const b = breaker(
      await connect({ host: '127.0.0.1', port: 1, enableOfflineQueue: true, maxRetriesPerRequest: null }),
    );

    const started = Date.now();
    await expect(b.execute(ok)).resolves.toBe('ok');

    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('should reject settings that are not positive integers', () => {
    const redis = { client: new Redis({ lazyConnect: true }), key: (...parts: string[]) => parts.join(':') };
    const base = { name: 'x', failureThreshold: 3, openMs: 1000, successThreshold: 2 };
    expect(() => new CircuitBreaker(redis, { ...base, failureThreshold: 0 })).toThrow(
      "Circuit breaker 'x': failureThreshold must be a positive integer, got 0",
    );
    expect(() => new CircuitBreaker(redis, { ...base, halfOpenMaxProbes: 1.5 })).toThrow(RangeError);
    expect(() => new CircuitBreaker(redis, { ...base, name: '' })).toThrow('A circuit breaker needs a name');
  });
});
