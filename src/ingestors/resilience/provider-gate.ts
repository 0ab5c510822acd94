import { Injectable } from '@nestjs/common';
import { ProviderCallError } from '../auth/provider-auth.js';

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
 * Every data call to a provider goes through here: quota first (throws ProviderRateLimitedError with the wait
 * when the budget is spent), then the provider's circuit breaker, then metrics.
 * (Interface fixed; the Redis quota and breaker wiring are being filled in.)
 */
@Injectable()
export class ProviderGate {
  call<T>(_spec: GateCall, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
}
