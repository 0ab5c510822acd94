import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uniqueRedisPrefix } from '../../../test/support/app.js';
import { RedisClients } from '../../../test/support/redis-clients.js';
import {
  CircuitBreaker,
  CircuitOpenError,
  type BreakerRedis,
  type BreakerState,
  type CircuitBreakerOptions,
  type FailureClass,
} from './circuit-breaker.js';

class UpstreamError extends Error {}
class InvalidTokenError extends Error {}

const classify = (err: unknown): FailureClass => (err instanceof InvalidTokenError ? 'ignore' : 'failure');

/** An upstream call whose outcome each test scripts, counting how often the breaker let it run. */
function upstream(): {
  calls: number;
  ok: () => Promise<string>;
  fail: () => Promise<never>;
  bad: () => Promise<never>;
} {
  const u = {
    calls: 0,
    ok: () => {
      u.calls += 1;
      return Promise.resolve('ok');
    },
    fail: () => {
      u.calls += 1;
      return Promise.reject(new UpstreamError('503 from upstream'));
    },
    bad: () => {
      u.calls += 1;
      return Promise.reject(new InvalidTokenError('invalid_token for one user'));
    },
  };
  return u;
}

function deferred(): { promise: Promise<string>; resolve: (value: string) => void } {
  let resolve: (value: string) => void = () => undefined;
  const promise = new Promise<string>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe(CircuitBreaker.name, () => {
  const redis = new RedisClients();
  let prefix: string;

  const connect = (options?: RedisOptions): Promise<Redis> => redis.connect(options);

  const redisFor = (client: Redis): BreakerRedis => ({
    client,
    key: (...parts) => [prefix, ...parts].join(':'),
  });

  async function breaker(
    options: Partial<CircuitBreakerOptions> = {},
    client?: Redis,
  ): Promise<CircuitBreaker> {
    return new CircuitBreaker(redisFor(client ?? (await connect())), {
      name: 'withings_api',
      failureThreshold: 3,
      openMs: 1000,
      successThreshold: 2,
      ...options,
    });
  }

  async function stateOf(b: CircuitBreaker): Promise<Record<string, string>> {
    return (await redis.any()).hgetall(b.key);
  }

  async function failTimes(b: CircuitBreaker, fn: () => Promise<never>, times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      await expect(b.execute(fn, classify)).rejects.toThrow(UpstreamError);
    }
  }

  beforeEach(() => {
    prefix = uniqueRedisPrefix();
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    redis.closeAll();
  });

  it('should open after exactly failureThreshold consecutive failures and then fail fast without calling fn', async () => {
    const b = await breaker();
    const u = upstream();
    await failTimes(b, u.fail, 2);
    expect(await stateOf(b)).toEqual({ failures: '2' });

    await failTimes(b, u.fail, 1);
    const err: unknown = await b.execute(u.ok).catch((e: unknown) => e);

    expect(u.calls).toBe(3);
    expect(err).toBeInstanceOf(CircuitOpenError);
    const open = err as CircuitOpenError;
    expect(open.breaker).toBe('withings_api');
    expect(open.state).toBe('open');
    expect(open.retryAfterMs).toBeGreaterThan(0);
    expect(open.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(open.message).toBe(`Circuit breaker 'withings_api' is open; retry in ${open.retryAfterMs} ms`);
    const hash = await stateOf(b);
    expect(hash['state']).toBe('open');
    expect(hash['failures']).toBe('3');
    expect(Number(hash['open_until']) - Number(hash['opened_at'])).toBe(1000);
    expect(b.key).toBe(`${prefix}:breaker:withings_api`);
  });

  it('should reset the failure count after a success', async () => {
    const b = await breaker();
    const u = upstream();
    await failTimes(b, u.fail, 2);
    await expect(b.execute(u.ok)).resolves.toBe('ok');
    expect(await stateOf(b)).toEqual({});

    await failTimes(b, u.fail, 2);
    await expect(b.execute(u.ok)).resolves.toBe('ok');
    expect(u.calls).toBe(6);
  });

  it('should let ignored errors through without counting them or resetting the count', async () => {
    const b = await breaker();
    const u = upstream();
    await failTimes(b, u.fail, 2);
    for (let i = 0; i < 5; i += 1) {
      await expect(b.execute(u.bad, classify)).rejects.toThrow(InvalidTokenError);
    }
    expect(await stateOf(b)).toEqual({ failures: '2' });

    await failTimes(b, u.fail, 1);
    await expect(b.execute(u.ok)).rejects.toThrow(CircuitOpenError);
    expect(u.calls).toBe(8);
  });

  it('should count every error when no classifier is given', async () => {
    const b = await breaker();
    const u = upstream();
    for (let i = 0; i < 3; i += 1) {
      await expect(b.execute(u.bad)).rejects.toThrow(InvalidTokenError);
    }
    await expect(b.execute(u.ok)).rejects.toThrow(CircuitOpenError);
    expect(u.calls).toBe(3);
  });

  it('should admit exactly one probe after openMs while concurrent callers fail fast', async () => {
    const b = await breaker({ openMs: 200 });
    const u = upstream();
    await failTimes(b, u.fail, 3);
    await sleep(250);

    const gate = deferred();
    let probeCalls = 0;
    const probe = b.execute(() => {
      probeCalls += 1;
      return gate.promise;
    });
    await vi.waitFor(() => {
      expect(probeCalls).toBe(1);
    });
    const others = await Promise.allSettled(Array.from({ length: 5 }, () => b.execute(u.ok)));

    expect(
      others.map((r) => (r.status === 'rejected' ? (r.reason as CircuitOpenError).state : r.status)),
    ).toEqual(Array.from({ length: 5 }, () => 'half_open'));
    gate.resolve('probed');
    await expect(probe).resolves.toBe('probed');
    expect(u.calls).toBe(3);
    expect((await stateOf(b))['successes']).toBe('1');
  });

  it('should close only after successThreshold consecutive probe successes', async () => {
    const b = await breaker({ openMs: 200, successThreshold: 3 });
    const u = upstream();
    await failTimes(b, u.fail, 3);
    await sleep(250);

    await expect(b.execute(u.ok)).resolves.toBe('ok');
    await expect(b.execute(u.ok)).resolves.toBe('ok');
    const halfOpen = await stateOf(b);
    expect(halfOpen['state']).toBe('half_open');
    expect(halfOpen['successes']).toBe('2');

    await expect(b.execute(u.ok)).resolves.toBe('ok');
    expect(await stateOf(b)).toEqual({});
    // Closed again with a clean count: it takes the full threshold to reopen.
    await failTimes(b, u.fail, 2);
    await expect(b.execute(u.ok)).resolves.toBe('ok');
    expect(u.calls).toBe(9);
  });

  it('should reopen with a fresh opened_at on a failure in half-open', async () => {
    const b = await breaker({ openMs: 400 });
    const u = upstream();
    await failTimes(b, u.fail, 3);
    const firstOpenedAt = Number((await stateOf(b))['opened_at']);
    await sleep(450);

    await expect(b.execute(u.ok)).resolves.toBe('ok');
    await failTimes(b, u.fail, 1);

    const reopened = await stateOf(b);
    expect(reopened['state']).toBe('open');
    expect(reopened['successes']).toBe('0');
    expect(Number(reopened['opened_at']) - firstOpenedAt).toBeGreaterThanOrEqual(450);
    expect(Number(reopened['open_until']) - Number(reopened['opened_at'])).toBe(400);
    await expect(b.execute(u.ok)).rejects.toThrow(CircuitOpenError);
    expect(u.calls).toBe(5);
  });

  it('should let an ignored error in half-open free the probe slot without counting', async () => {
    const b = await breaker({ openMs: 200 });
    const u = upstream();
    await failTimes(b, u.fail, 3);
    await sleep(250);

    await expect(b.execute(u.bad, classify)).rejects.toThrow(InvalidTokenError);
    const hash = await stateOf(b);
    expect(hash['state']).toBe('half_open');
    expect(hash['successes']).toBe('0');
    expect(Object.keys(hash).filter((field) => field.startsWith('probe:'))).toEqual([]);
    await expect(b.execute(u.ok)).resolves.toBe('ok');
  });

  it('should admit a new probe once a lost probe has held its slot for openMs', async () => {
    const b = await breaker({ openMs: 200 });
    const u = upstream();
    await failTimes(b, u.fail, 3);
    await sleep(250);
    const lost = deferred();
    const lostProbe = b.execute(() => lost.promise);
    await expect(b.execute(u.ok)).rejects.toThrow(CircuitOpenError);

    await sleep(250);
    await expect(b.execute(u.ok)).resolves.toBe('ok');
    // The lost probe's late answer no longer counts towards closing.
    lost.resolve('late');
    await expect(lostProbe).resolves.toBe('late');
    expect((await stateOf(b))['successes']).toBe('1');
  });

  it('should tell its listener every state it observes', async () => {
    const seen: BreakerState[] = [];
    const b = new CircuitBreaker(
      redisFor(await connect()),
      { name: 'fhir', failureThreshold: 1, openMs: 200, successThreshold: 1 },
      (_name, state) => seen.push(state),
    );
    const u = upstream();
    await failTimes(b, u.fail, 1);
    await expect(b.execute(u.ok)).rejects.toThrow(CircuitOpenError);
    await sleep(250);
    await b.execute(u.ok);

    expect(seen).toEqual(['closed', 'open', 'open', 'half_open', 'closed']);
  });
});
