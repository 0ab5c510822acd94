import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { register, type Gauge } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uniqueRedisPrefix } from '../../../test/support/app.js';
import { TEST_REDIS_URL } from '../../../test/support/test-env.js';
import { redisOptionsFromUrl } from '../redis/redis-options.js';
import { RedisService } from '../redis/redis.service.js';
import {
  CircuitBreaker,
  CircuitOpenError,
  type BreakerRedis,
  type BreakerSettings,
} from './circuit-breaker.js';
import { CIRCUIT_BREAKER_STATE_METRIC, CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import { ResilienceModule } from './resilience.module.js';

@Module({})
class TestRedisModule {
  /** Stands in for RedisModule: a real connection and key prefix, without AppConfig. */
  static with(redis: BreakerRedis): DynamicModule {
    return {
      module: TestRedisModule,
      global: true,
      providers: [{ provide: RedisService, useValue: redis }],
      exports: [RedisService],
    };
  }
}

const FAST: BreakerSettings = { failureThreshold: 2, openMs: 5000, successThreshold: 1 };
const fail = (): Promise<never> => Promise.reject(new Error('503'));
const ok = (): Promise<string> => Promise.resolve('ok');

describe(CircuitBreakerRegistry.name, () => {
  const clients: Redis[] = [];
  let prefix: string;
  let moduleRef: TestingModule;
  let registry: CircuitBreakerRegistry;

  async function connect(): Promise<Redis> {
    const client = new Redis({
      ...redisOptionsFromUrl(TEST_REDIS_URL),
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  }

  const redisFor = (client: Redis): BreakerRedis => ({
    client,
    key: (...parts) => [prefix, ...parts].join(':'),
  });

  /** The same breaker as another worker process would build it: own connection, same prefix and name. */
  async function elsewhere(name: string, settings: BreakerSettings): Promise<CircuitBreaker> {
    return new CircuitBreaker(redisFor(await connect()), { name, ...settings });
  }

  async function trip(breaker: CircuitBreaker): Promise<void> {
    for (let i = 0; i < breaker.settings.failureThreshold; i += 1) {
      await expect(breaker.execute(fail)).rejects.toThrow('503');
    }
  }

  async function openedAt(name: string): Promise<string> {
    return new Date(Number(await clients[0]!.hget(`${prefix}:breaker:${name}`, 'opened_at'))).toISOString();
  }

  beforeEach(async () => {
    prefix = uniqueRedisPrefix();
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    moduleRef = await Test.createTestingModule({
      imports: [TestRedisModule.with(redisFor(await connect())), ResilienceModule],
    }).compile();
    registry = moduleRef.get(CircuitBreakerRegistry);
    (register.getSingleMetric(CIRCUIT_BREAKER_STATE_METRIC) as Gauge).reset();
  });

  afterEach(async () => {
    await moduleRef.close();
    for (const client of clients.splice(0)) {
      client.disconnect();
    }
  });

  it('should return one breaker per name and refuse a second set of settings for it', () => {
    const fhir = registry.get('fhir', FAST);

    expect(registry.get('fhir', { ...FAST, halfOpenMaxProbes: 1 })).toBe(fhir);
    expect(fhir.key).toBe(`${prefix}:breaker:fhir`);
    expect(() => registry.get('fhir', { ...FAST, openMs: 60_000 })).toThrow(
      "Circuit breaker 'fhir' already exists with other settings",
    );
  });

  it('should report every registered breaker as all processes see it', async () => {
    registry.get('withings_api', FAST);
    const fitbit = registry.get('fitbit_api', { ...FAST, openMs: 200, successThreshold: 2 });
    const fhir = registry.get('fhir', { ...FAST, failureThreshold: 5 });
    await trip(await elsewhere('withings_api', FAST));
    await trip(fitbit);
    await expect(fhir.execute(fail)).rejects.toThrow('503');
    await sleep(250);

    expect(await registry.states()).toEqual([
      {
        breaker: 'withings_api',
        state: 'open',
        failure_count: 2,
        success_count: 0,
        opened_at: await openedAt('withings_api'),
      },
      {
        breaker: 'fitbit_api',
        state: 'half_open',
        failure_count: 2,
        success_count: 0,
        opened_at: await openedAt('fitbit_api'),
      },
      { breaker: 'fhir', state: 'closed', failure_count: 1, success_count: 0, opened_at: null },
    ]);

    await fitbit.execute(ok);
    expect((await registry.states())[1]).toEqual({
      breaker: 'fitbit_api',
      state: 'half_open',
      failure_count: 2,
      success_count: 1,
      opened_at: await openedAt('fitbit_api'),
    });
  });

  it('should force-close a breaker for every process', async () => {
    const here = registry.get('withings_api', FAST);
    const there = await elsewhere('withings_api', FAST);
    await trip(there);
    await expect(here.execute(ok)).rejects.toThrow(CircuitOpenError);

    await registry.forceClose('withings_api');

    expect(await registry.states()).toEqual([
      { breaker: 'withings_api', state: 'closed', failure_count: 0, success_count: 0, opened_at: null },
    ]);
    await expect(there.execute(ok)).resolves.toBe('ok');
    await expect(here.execute(ok)).resolves.toBe('ok');
  });

  it('should export each state on the gauge, read from Redis at scrape time', async () => {
    registry.get('closed_one', FAST);
    registry.get('open_one', FAST);
    const halfOpen = registry.get('half_open_one', { ...FAST, openMs: 200 });
    const other = await elsewhere('open_one', FAST);
    await trip(other);
    await trip(halfOpen);
    await sleep(250);

    expect(await register.getSingleMetricAsString(CIRCUIT_BREAKER_STATE_METRIC)).toBe(
      [
        '# HELP ohe_circuit_breaker_state Circuit breaker state, shared by every process: 0 closed, 1 open, 2 half-open',
        '# TYPE ohe_circuit_breaker_state gauge',
        'ohe_circuit_breaker_state{breaker="closed_one"} 0',
        'ohe_circuit_breaker_state{breaker="open_one"} 1',
        'ohe_circuit_breaker_state{breaker="half_open_one"} 2',
      ].join('\n'),
    );

    await clients[1]!.del(other.key);
    const values = (await register.getSingleMetric(CIRCUIT_BREAKER_STATE_METRIC)!.get()).values;
    expect(values.map((v) => [v.labels['breaker'], v.value])).toEqual([
      ['closed_one', 0],
      ['open_one', 0],
      ['half_open_one', 2],
    ]);
  });

  it('should keep the states this process observed when Redis cannot be read at scrape time', async () => {
    const fhir = registry.get('fhir', FAST);
    await trip(fhir);
    clients[0]!.disconnect();

    const values = (await register.getSingleMetric(CIRCUIT_BREAKER_STATE_METRIC)!.get()).values;

    expect(values.map((v) => [v.labels['breaker'], v.value])).toEqual([['fhir', 1]]);
    await expect(registry.states()).rejects.toThrow();
  });
});
