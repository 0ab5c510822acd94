import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import {
  CircuitOpenError,
  PROVIDER_BREAKER,
  type FailureClass,
} from '../../common/resilience/circuit-breaker.js';
import { CircuitBreakerRegistry } from '../../common/resilience/circuit-breaker.registry.js';
import { InvalidGrantError, InvalidTokenError, ProviderCallError } from '../auth/provider-auth.js';
import { LinkNotUsableError } from '../tokens/token.service.js';
import { PROVIDER_METRIC, type ProviderErrorType, type ProviderRequestStatus } from './provider-metrics.js';
import { ProviderQuota } from './provider-quota.js';

/** A provider quota: at most `limit` calls per `periodMs`, counted in Redis across every worker process. */
export interface QuotaSpec {
  /** Names the counter family, e.g. `withings-app`, `google-health-user`. */
  readonly name: string;
  readonly limit: number;
  readonly periodMs: number;
}

/** One provider call as the gate needs to know it. */
export interface GateCall {
  /** provider_type; also names the provider's circuit breaker (`provider:<type>`). */
  readonly provider: string;
  readonly quota: QuotaSpec;
  /** Whose budget the call spends: the application (a constant) or one user (the provider's user id). */
  readonly quotaKey: string;
  /** Short operation name for metrics and logs (`getmeas`, `dataPoints.list`). */
  readonly operation: string;
}

/**
 * The provider refused for rate (HTTP 429, Withings status 601) or our own quota is spent: retry after the wait.
 * A sync job meeting it is delayed without spending an attempt.
 */
export class ProviderRateLimitedError extends ProviderCallError {
  override readonly name: string = 'ProviderRateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message, true);
  }
}

/**
 * How long to wait before trying again when err says so: our quota or the provider's rate limit
 * (ProviderRateLimitedError) or an open breaker (CircuitOpenError). Processors delay the job by it instead of
 * spending an attempt. Undefined for every other error.
 */
export function retryDelayOf(err: unknown): number | undefined {
  if (err instanceof ProviderRateLimitedError || err instanceof CircuitOpenError) {
    return err.retryAfterMs;
  }
  return undefined;
}

/** The metric error type of a failed gated call. */
export function providerErrorType(err: unknown): ProviderErrorType {
  // Before ProviderCallError: a rate-limit error is a (retryable) ProviderCallError too.
  if (err instanceof ProviderRateLimitedError) {
    return 'rate_limit_error';
  }
  if (err instanceof CircuitOpenError) {
    return 'circuit_open';
  }
  if (
    err instanceof InvalidTokenError ||
    err instanceof InvalidGrantError ||
    err instanceof LinkNotUsableError
  ) {
    return 'auth_error';
  }
  if (err instanceof ProviderCallError) {
    return err.retryable ? 'server_error' : 'client_error';
  }
  // An adapter should wrap everything in ProviderCallError; whatever escapes unwrapped is most likely transport
  // (fetch's TypeError, AbortSignal.timeout's TimeoutError), so it counts against the provider.
  return 'server_error';
}

/**
 * Whether an error says the provider is unhealthy. Only retryable failures do; a rate limit (the provider is
 * up, just busy), one user's bad token or link, and a 4xx say nothing about it and must never open the breaker
 * for everyone. A call aborted by our own caller (shutdown) says nothing either.
 */
export function classifyProviderError(err: unknown): FailureClass {
  if (err instanceof Error && err.name === 'AbortError') {
    return 'ignore';
  }
  return providerErrorType(err) === 'server_error' ? 'failure' : 'ignore';
}

/**
 * Every data call to a provider goes through here: quota first (throws ProviderRateLimitedError with the wait
 * when the budget is spent), then the provider's circuit breaker (`provider:<type>`, PROVIDER_BREAKER), then
 * metrics. fn's result and errors pass through unchanged, and so does CircuitOpenError (it carries the wait).
 * When fn reports the provider's own rate limit, the budget is blocked for every process for the wait it gave.
 */
@Injectable()
export class ProviderGate {
  private readonly logger = new Logger('ProviderGate');

  constructor(
    private readonly quota: ProviderQuota,
    private readonly breakers: CircuitBreakerRegistry,
    @InjectMetric(PROVIDER_METRIC.errors) private readonly errors: Counter<'provider' | 'error_type'>,
    @InjectMetric(PROVIDER_METRIC.rateLimits) private readonly rateLimits: Counter<'provider' | 'source'>,
    @InjectMetric(PROVIDER_METRIC.requests)
    private readonly requests: Counter<'provider' | 'operation' | 'status'>,
    @InjectMetric(PROVIDER_METRIC.duration) private readonly duration: Histogram<'provider' | 'operation'>,
  ) {}

  async call<T>(spec: GateCall, fn: () => Promise<T>): Promise<T> {
    const { provider, operation } = spec;
    const slot = await this.quota.take(spec.quota, spec.quotaKey);
    if (!slot.allowed) {
      this.rateLimits.inc({ provider, source: 'local' });
      this.count(spec, 'throttled');
      throw new ProviderRateLimitedError(
        `${provider} quota '${spec.quota.name}' spent (${spec.quota.limit} per ${spec.quota.periodMs} ms); ` +
          `retry in ${slot.retryAfterMs} ms`,
        slot.retryAfterMs,
      );
    }

    const breaker = this.breakers.get(`provider:${provider}`, PROVIDER_BREAKER);
    const timed = async (): Promise<T> => {
      const end = this.duration.startTimer({ provider, operation });
      try {
        return await fn();
      } finally {
        end();
      }
    };
    try {
      const result = await breaker.execute(timed, classifyProviderError);
      this.count(spec, 'success');
      return result;
    } catch (err) {
      const errorType = providerErrorType(err);
      this.errors.inc({ provider, error_type: errorType });
      this.count(spec, errorType);
      if (err instanceof ProviderRateLimitedError) {
        this.rateLimits.inc({ provider, source: 'provider' });
        this.logger.warn(
          `${provider} ${operation}: rate limited by the provider; pausing for ${err.retryAfterMs} ms`,
        );
        await this.quota.penalize(spec.quota, spec.quotaKey, err.retryAfterMs);
      }
      throw err;
    }
  }

  private count(spec: GateCall, status: ProviderRequestStatus): void {
    this.requests.inc({ provider: spec.provider, operation: spec.operation, status });
  }
}
