import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { register } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { uniqueRedisPrefix } from '../../../test/support/app.js';
import { RedisClients } from '../../../test/support/redis-clients.js';
import { RedisService } from '../../common/redis/redis.service.js';
import { CircuitOpenError } from '../../common/resilience/circuit-breaker.js';
import { CircuitBreakerRegistry } from '../../common/resilience/circuit-breaker.registry.js';
import { ResilienceModule } from '../../common/resilience/resilience.module.js';
import { InvalidGrantError, InvalidTokenError, ProviderCallError } from '../auth/provider-auth.js';
import { LinkNotUsableError } from '../tokens/token.service.js';
import {
  classifyProviderError,
  ProviderGate,
  ProviderRateLimitedError,
  retryDelayOf,
  type GateCall,
} from './provider-gate.js';
import { PROVIDER_METRIC } from './provider-metrics.js';
import { ProviderResilienceModule } from './provider-resilience.module.js';
import type { QuotaRedis } from './provider-quota.js';

@Module({})
class TestRedisModule {
  /** Stands in for RedisModule: a real connection and key prefix, without AppConfig. */
  static with(redis: QuotaRedis): DynamicModule {
    return {
      module: TestRedisModule,
      global: true,
      providers: [{ provide: RedisService, useValue: redis }],
      exports: [RedisService],
    };
  }
}

const WITHINGS: GateCall = {
  provider: 'withings',
  quota: { name: 'withings-app', limit: 120, periodMs: 60_000 },
  quotaKey: 'app',
  operation: 'getmeas',
};

/** The value of one labelled series of a counter in the default registry (0 when never incremented). */
async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = register.getSingleMetric(name);
  const values = metric === undefined ? [] : (await metric.get()).values;
  const series = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return series?.value ?? 0;
}

describe(ProviderGate.name, () => {
  const redis = new RedisClients();
  let moduleRef: TestingModule;
  let gate: ProviderGate;
  let registry: CircuitBreakerRegistry;
  let calls: number;

  const counting =
    <T>(outcome: () => Promise<T>) =>
    (): Promise<T> => {
      calls += 1;
      return outcome();
    };
  const ok = counting(() => Promise.resolve('body'));
  const fail = (err: Error) => counting(() => Promise.reject(err));
  const serverError = () => new ProviderCallError('HTTP 503', true);

  async function failTimes(spec: GateCall, err: () => Error, times: number): Promise<void> {
    for (let i = 0; i < times; i += 1) {
      await expect(gate.call(spec, fail(err()))).rejects.toThrow(Error);
    }
  }

  beforeEach(async () => {
    calls = 0;
    const prefix = uniqueRedisPrefix();
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const client = await redis.connect();
    moduleRef = await Test.createTestingModule({
      imports: [
        TestRedisModule.with({ client, key: (...parts) => [prefix, ...parts].join(':') }),
        ResilienceModule,
        ProviderResilienceModule,
      ],
    }).compile();
    gate = moduleRef.get(ProviderGate);
    registry = moduleRef.get(CircuitBreakerRegistry);
    for (const name of Object.values(PROVIDER_METRIC)) {
      register.getSingleMetric(name)!.reset();
    }
  });

  afterEach(async () => {
    await moduleRef.close();
    redis.closeAll();
  });

  it('should run fn and count a successful request', async () => {
    await expect(gate.call(WITHINGS, ok)).resolves.toBe('body');

    expect(calls).toBe(1);
    expect(
      await counterValue(PROVIDER_METRIC.requests, {
        provider: 'withings',
        operation: 'getmeas',
        status: 'success',
      }),
    ).toBe(1);
    const duration = await register.getSingleMetricAsString(PROVIDER_METRIC.duration);
    expect(duration).toContain(
      `${PROVIDER_METRIC.duration}_count{provider="withings",operation="getmeas"} 1`,
    );
  });

  it('should open the provider breaker after 3 retryable failures and then fail fast without calling fn', async () => {
    await failTimes(WITHINGS, serverError, 3);

    const err = await gate.call(WITHINGS, ok).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CircuitOpenError);
    expect((err as CircuitOpenError).breaker).toBe('provider:withings');
    expect(retryDelayOf(err)).toBeGreaterThan(25_000);
    expect(calls).toBe(3);
    expect(
      await counterValue(PROVIDER_METRIC.errors, { provider: 'withings', error_type: 'server_error' }),
    ).toBe(3);
    expect(
      await counterValue(PROVIDER_METRIC.errors, { provider: 'withings', error_type: 'circuit_open' }),
    ).toBe(1);
    // Another provider's breaker is untouched.
    await expect(gate.call({ ...WITHINGS, provider: 'fitbit' }, ok)).resolves.toBe('body');
  });

  it("should never open the breaker for one user's token trouble or a client error", async () => {
    await failTimes(WITHINGS, () => new InvalidTokenError('401'), 10);
    await failTimes(WITHINGS, () => new InvalidGrantError('invalid_grant'), 3);
    await failTimes(WITHINGS, () => new LinkNotUsableError(7, 'revoked'), 3);
    await failTimes(WITHINGS, () => new ProviderCallError('status 293: invalid params', false), 3);

    await expect(gate.call(WITHINGS, ok)).resolves.toBe('body');
    expect(calls).toBe(20);
    expect((await registry.states())[0]).toMatchObject({ breaker: 'provider:withings', state: 'closed' });
    expect(
      await counterValue(PROVIDER_METRIC.errors, { provider: 'withings', error_type: 'auth_error' }),
    ).toBe(16);
    expect(
      await counterValue(PROVIDER_METRIC.errors, { provider: 'withings', error_type: 'client_error' }),
    ).toBe(3);
  });

  it("should block the budget for the provider's wait after a 429, refusing the next call locally", async () => {
    const limited = new ProviderRateLimitedError('status 601', 2000);

    await expect(gate.call(WITHINGS, fail(limited))).rejects.toBe(limited);
    const refused = await gate.call(WITHINGS, ok).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(ProviderRateLimitedError);
    expect(retryDelayOf(refused)).toBeGreaterThan(1000);
    expect(retryDelayOf(refused)).toBeLessThanOrEqual(2000);
    expect(calls).toBe(1);
    expect(await counterValue(PROVIDER_METRIC.rateLimits, { provider: 'withings', source: 'provider' })).toBe(
      1,
    );
    expect(await counterValue(PROVIDER_METRIC.rateLimits, { provider: 'withings', source: 'local' })).toBe(1);
    expect(
      await counterValue(PROVIDER_METRIC.errors, { provider: 'withings', error_type: 'rate_limit_error' }),
    ).toBe(1);
    // Another user's budget is not blocked, and a rate limit says nothing about the provider's health.
    await expect(gate.call({ ...WITHINGS, quotaKey: 'other' }, ok)).resolves.toBe('body');
    expect((await registry.states())[0]).toMatchObject({ state: 'closed', failure_count: 0 });
  });

  it('should refuse locally once the quota is spent, without calling fn', async () => {
    const spec: GateCall = { ...WITHINGS, quota: { name: 'tiny', limit: 2, periodMs: 60_000 } };
    await gate.call(spec, ok);
    await gate.call(spec, ok);

    const err = await gate.call(spec, ok).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ProviderRateLimitedError);
    expect((err as ProviderRateLimitedError).retryable).toBe(true);
    expect(retryDelayOf(err)).toBeGreaterThan(50_000);
    expect(calls).toBe(2);
    expect(await counterValue(PROVIDER_METRIC.rateLimits, { provider: 'withings', source: 'local' })).toBe(1);
    expect(
      await counterValue(PROVIDER_METRIC.requests, {
        provider: 'withings',
        operation: 'getmeas',
        status: 'throttled',
      }),
    ).toBe(1);
  });

  it('should count only retryable and unclassified errors against the provider', () => {
    expect(classifyProviderError(serverError())).toBe('failure');
    expect(classifyProviderError(new TypeError('fetch failed'))).toBe('failure');
    expect(classifyProviderError(new ProviderRateLimitedError('429', 1000))).toBe('ignore');
    expect(classifyProviderError(new DOMException('aborted', 'AbortError'))).toBe('ignore');
    expect(classifyProviderError(new ProviderCallError('400', false))).toBe('ignore');
  });

  it('should give a retry delay only for rate limits and open breakers', () => {
    expect(retryDelayOf(new ProviderRateLimitedError('429', 1500))).toBe(1500);
    expect(retryDelayOf(new CircuitOpenError('provider:withings', 800, 'open'))).toBe(800);
    expect(retryDelayOf(serverError())).toBeUndefined();
    expect(retryDelayOf('not an error')).toBeUndefined();
  });
});
