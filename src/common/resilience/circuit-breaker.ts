/*
 * A circuit breaker whose state lives in Redis, so every API and worker process sees one breaker per upstream.
 *
 * Why not cockatiel or opossum: both keep state per process (N workers would need N × threshold failures to
 * trip, and would disagree about whether the upstream is down), and both close after a single half-open
 * success, while the architecture asks for 2 (providers) or 3 (FHIR) consecutive probe successes.
 *
 * Each call costs two Redis round trips: one Lua script before fn (admission, which also moves open →
 * half-open when the open period is over) and one after (record the outcome). Every transition happens inside
 * a script, with Redis TIME as the clock, so processes with skewed clocks agree.
 *
 * If Redis is unreachable or slow, the breaker fails OPEN: fn runs unprotected. A Redis outage should not
 * also become an outage of every upstream call; the breaker logs once per outage and recovers on its own.
 */
import { Logger } from '@nestjs/common';
import { withTimeout } from '../redis/lua-script.js';
import { randomUUID } from 'node:crypto';
import type { RedisService } from '../redis/redis.service.js';
import {
  acquire,
  recordFailure,
  recordSuccess,
  releaseProbe,
  type Admission,
  type BreakerState,
  type Outcome,
} from './circuit-breaker.scripts.js';

export type { BreakerState } from './circuit-breaker.scripts.js';

/** How a failed call counts: a breaker failure, or an error that says nothing about the upstream's health. */
export type FailureClass = 'failure' | 'ignore';

/** Tuning of one breaker; the presets below carry the architecture's numbers. */
export interface BreakerSettings {
  /** Consecutive classified failures (while closed) that open the breaker. */
  readonly failureThreshold: number;
  /** How long the breaker stays open before it lets probes through. */
  readonly openMs: number;
  /** Consecutive probe successes (while half-open) that close the breaker. */
  readonly successThreshold: number;
  /** Probes allowed to run at once while half-open; the rest fail fast. Default 1. */
  readonly halfOpenMaxProbes?: number;
}

/** A breaker's name and tuning. Every process using the same name and key prefix shares the same breaker. */
export interface CircuitBreakerOptions extends BreakerSettings {
  readonly name: string;
}

/** FHIR server breaker (architecture: 5 failures to open, 60 s open, 3 successes to close). */
export const FHIR_BREAKER = {
  failureThreshold: 5,
  openMs: 60_000,
  successThreshold: 3,
} as const satisfies BreakerSettings;

/** Wearable provider API breaker (architecture: 3 failures to open, 30 s open, 2 successes to close). */
export const PROVIDER_BREAKER = {
  failureThreshold: 3,
  openMs: 30_000,
  successThreshold: 2,
} as const satisfies BreakerSettings;

/** The Redis access a breaker needs; RedisService provides it, tests can pass any connection and prefix. */
export type BreakerRedis = Pick<RedisService, 'client' | 'key'>;

/** Told of every state this process observes, so a gauge can follow it. */
export type BreakerStateListener = (breaker: string, state: BreakerState) => void;

/** Thrown instead of calling fn while the breaker is open, or half-open with every probe slot taken. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';

  constructor(
    readonly breaker: string,
    /** Milliseconds until the breaker may admit a call again (end of the open period, or of a probe's lease). */
    readonly retryAfterMs: number,
    readonly state: Exclude<BreakerState, 'closed'>,
  ) {
    super(`Circuit breaker '${breaker}' is ${state.replace('_', '-')}; retry in ${retryAfterMs} ms`);
  }
}

/** Longest wait on Redis before a call goes ahead unprotected; far below any upstream call's own latency. */
const REDIS_TIMEOUT_MS = 500;
/** Idle breaker hashes expire after a day; by then any open period is long over. */
const MIN_KEY_TTL_MS = 86_400_000;

const countEverything = (): FailureClass => 'failure';

function checkCount(options: CircuitBreakerOptions, field: keyof BreakerSettings, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Circuit breaker '${options.name}': ${field} must be a positive integer, got ${value}`,
    );
  }
}

/** A throwing classifier must not swallow the upstream's error; its error then counts as a failure. */
function classifySafely(classify: (err: unknown) => FailureClass, err: unknown): FailureClass {
  try {
    return classify(err);
  } catch {
    return 'failure';
  }
}

/** One named breaker, shared through Redis by every process that builds it with the same name and prefix. */
export class CircuitBreaker {
  readonly name: string;
  readonly settings: Required<BreakerSettings>;
  /** The Redis hash holding this breaker's state: `<prefix>:breaker:<name>`. */
  readonly key: string;
  private readonly logger: Logger;
  private readonly keyTtlMs: number;
  private redisDown = false;

  constructor(
    private readonly redis: BreakerRedis,
    options: CircuitBreakerOptions,
    private readonly onState?: BreakerStateListener,
  ) {
    if (options.name === '') {
      throw new RangeError('A circuit breaker needs a name');
    }
    const settings = { halfOpenMaxProbes: 1, ...options };
    checkCount(options, 'failureThreshold', settings.failureThreshold);
    checkCount(options, 'openMs', settings.openMs);
    checkCount(options, 'successThreshold', settings.successThreshold);
    checkCount(options, 'halfOpenMaxProbes', settings.halfOpenMaxProbes);
    this.name = options.name;
    this.settings = {
      failureThreshold: settings.failureThreshold,
      openMs: settings.openMs,
      successThreshold: settings.successThreshold,
      halfOpenMaxProbes: settings.halfOpenMaxProbes,
    };
    this.key = redis.key('breaker', options.name);
    this.keyTtlMs = Math.max(MIN_KEY_TTL_MS, settings.openMs * 4);
    this.logger = new Logger(`CircuitBreaker:${options.name}`);
  }

  /**
   * Runs fn through the breaker. While open (or half-open with every probe slot taken) it throws
   * CircuitOpenError without calling fn. fn's own result or error is always passed through unchanged.
   *
   * @param classify decides whether an error counts against the upstream. 'ignore' is for errors that say
   *   nothing about its health (one user's revoked token, a 4xx): they neither count nor reset the count.
   *   Without it every error counts.
   */
  async execute<T>(
    fn: () => Promise<T>,
    classify: (err: unknown) => FailureClass = countEverything,
  ): Promise<T> {
    const probeId = randomUUID();
    const admission = await this.guarded(() =>
      acquire(
        this.redis.client,
        this.key,
        probeId,
        this.settings.halfOpenMaxProbes,
        // A probe slot is held for at most one open period, so a lost probe delays recovery by one interval.
        this.settings.openMs,
        this.keyTtlMs,
      ),
    );
    if (admission !== undefined) {
      this.observe(admission.state, admission.changed);
      if (admission.verdict === 'reject') {
        throw new CircuitOpenError(
          this.name,
          admission.waitMs,
          admission.state === 'open' ? 'open' : 'half_open',
        );
      }
    }

    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (admission !== undefined) {
        await this.settle(admission, probeId, classifySafely(classify, err));
      }
      throw err;
    }
    if (admission !== undefined) {
      await this.settle(admission, probeId, 'success');
    }
    return result;
  }

  private async settle(
    admission: Admission,
    probeId: string,
    outcome: FailureClass | 'success',
  ): Promise<void> {
    const probe = admission.verdict === 'probe' ? probeId : '';
    const client = this.redis.client;
    let recorded: Outcome | undefined;
    switch (outcome) {
      case 'success':
        recorded = await this.guarded(() =>
          recordSuccess(client, this.key, probe, this.settings.successThreshold),
        );
        break;
      case 'failure':
        recorded = await this.guarded(() =>
          recordFailure(
            client,
            this.key,
            probe,
            this.settings.failureThreshold,
            this.settings.openMs,
            this.keyTtlMs,
          ),
        );
        break;
      case 'ignore':
        // An ignored error outside a probe changes nothing, so it costs no round trip.
        if (probe !== '') {
          await this.guarded(() => releaseProbe(client, this.key, probe));
        }
        return;
    }
    if (recorded !== undefined) {
      this.observe(recorded.state, recorded.changed, recorded.failures);
    }
  }

  private observe(state: BreakerState, changed: boolean, failures = 0): void {
    this.onState?.(this.name, state);
    if (!changed) {
      return;
    }
    switch (state) {
      case 'open':
        this.logger.warn(
          `Opened (consecutive failures: ${failures}); calls fail fast for ${this.settings.openMs} ms`,
        );
        break;
      case 'half_open':
        this.logger.log('Half-open: letting a trial call through');
        break;
      case 'closed':
        this.logger.log(`Closed (successful trial calls: ${this.settings.successThreshold})`);
        break;
    }
  }

  /** Runs a Redis step; on any Redis problem returns undefined so the call goes ahead (fail open). */
  private async guarded<T>(step: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await withTimeout(step(), REDIS_TIMEOUT_MS);
      if (this.redisDown) {
        this.redisDown = false;
        this.logger.log('Redis is reachable again; the breaker is back in force');
      }
      return value;
    } catch (err) {
      if (!this.redisDown) {
        this.redisDown = true;
        const reason = err instanceof Error ? err.message : String(err);
        this.logger.warn(`Redis unavailable (${reason}); calls go through unprotected until it returns`);
      }
      return undefined;
    }
  }
}
