import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Gauge } from 'prom-client';
import { RedisService } from '../redis/redis.service.js';
import { CircuitBreaker, type BreakerSettings, type BreakerState } from './circuit-breaker.js';
import { toState } from './circuit-breaker.scripts.js';

/** Prometheus gauge of each breaker's state: 0 closed, 1 open, 2 half-open. */
export const CIRCUIT_BREAKER_STATE_METRIC = 'ohe_circuit_breaker_state';

const GAUGE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, open: 1, half_open: 2 };

/** A scrape must not hang on Redis; past this the gauge keeps the last values this process saw. */
const SCRAPE_TIMEOUT_MS = 250;

/** One breaker's state as every process sees it (read from Redis), in the architecture's field names. */
export interface BreakerStateInfo {
  readonly breaker: string;
  readonly state: BreakerState;
  readonly failure_count: number;
  readonly success_count: number;
  /** When the breaker last opened (ISO 8601), or null while closed. */
  readonly opened_at: string | null;
}

// The gauge is process-global (prom-client's default registry keeps the first instance made), so its collect()
// cannot be bound to one registry: it refreshes every live one, e.g. several app instances in a test run.
const liveRegistries = new Set<CircuitBreakerRegistry>();

/** The gauge's collect(): refreshes every breaker's state from Redis just before a scrape reads it. */
export async function collectBreakerStates(): Promise<void> {
  await Promise.all([...liveRegistries].map((registry) => registry.refreshGauge()));
}

/**
 * The process's circuit breakers, by name. Breakers are shared through Redis, so states() and forceClose()
 * see and act on the breaker every process uses, not just this process's view of it.
 */
@Injectable()
export class CircuitBreakerRegistry implements OnModuleDestroy {
  private readonly logger = new Logger('CircuitBreakerRegistry');
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly redis: RedisService,
    @InjectMetric(CIRCUIT_BREAKER_STATE_METRIC) private readonly gauge: Gauge<'breaker'>,
  ) {
    liveRegistries.add(this);
  }

  /**
   * The breaker of that name, created on first use. Asking again with other settings throws: two callers
   * disagreeing about one breaker's thresholds is a wiring bug.
   */
  get(name: string, settings: BreakerSettings): CircuitBreaker {
    const existing = this.breakers.get(name);
    if (existing !== undefined) {
      const wanted = { halfOpenMaxProbes: 1, ...settings };
      const have = existing.settings;
      if (
        wanted.failureThreshold !== have.failureThreshold ||
        wanted.openMs !== have.openMs ||
        wanted.successThreshold !== have.successThreshold ||
        wanted.halfOpenMaxProbes !== have.halfOpenMaxProbes
      ) {
        throw new Error(`Circuit breaker '${name}' already exists with other settings`);
      }
      return existing;
    }
    const breaker = new CircuitBreaker(this.redis, { name, ...settings }, (breakerName, state) => {
      this.gauge.set({ breaker: breakerName }, GAUGE_VALUE[state]);
    });
    this.breakers.set(name, breaker);
    this.gauge.set({ breaker: name }, GAUGE_VALUE.closed);
    return breaker;
  }

  /**
   * A view of this registry whose breakers are named `<name>:<scope>`, for components built once per
   * organization: each organization's publisher gets breakers of its own, so one target's outage never opens
   * another's. The view shares this registry's breakers, gauge and states().
   */
  scoped(scope: string): CircuitBreakerRegistry {
    const view = Object.create(this) as CircuitBreakerRegistry;
    view.get = (name: string, settings: BreakerSettings): CircuitBreaker =>
      this.get(`${name}:${scope}`, settings);
    return view;
  }

  /** Every breaker registered in this process, in registration order, with its shared state from Redis. */
  states(): Promise<BreakerStateInfo[]> {
    return this.statesOf([...this.breakers.keys()]);
  }

  /**
   * The shared state of these breakers, registered in this process or not (an API process never calls the
   * providers, yet an operator asks it about their breakers); a breaker without a key in Redis is closed.
   */
  async statesOf(names: readonly string[]): Promise<BreakerStateInfo[]> {
    const pipeline = this.redis.client.pipeline().time();
    for (const name of names) {
      pipeline.hmget(this.keyOf(name), 'state', 'failures', 'successes', 'opened_at', 'open_until');
    }
    const replies = await pipeline.exec();
    if (replies === null) {
      throw new Error('Redis discarded the circuit breaker state read');
    }
    const values = replies.map(([err, value]) => {
      if (err !== null) {
        throw err;
      }
      return value;
    });
    const [seconds, micros] = values[0] as [string, string];
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    return names.map((name, i) => toInfo(name, values[i + 1] as (string | null)[], now));
  }

  /** Names of the breakers with state in Redis under this deployment's prefix (any process may have made them). */
  async storedNames(): Promise<string[]> {
    const prefix = this.redis.key('breaker', '');
    const names: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
      cursor = next;
      names.push(...keys.map((k) => k.slice(prefix.length)));
    } while (cursor !== '0');
    return names;
  }

  private keyOf(name: string): string {
    return this.breakers.get(name)?.key ?? this.redis.key('breaker', name);
  }

  /**
   * Closes the breaker for every process (administrative override): its counts are dropped and calls flow
   * again at once. Works for any name under this deployment's prefix, registered here or not.
   */
  async forceClose(name: string): Promise<void> {
    await this.redis.client.del(this.keyOf(name));
    this.gauge.set({ breaker: name }, GAUGE_VALUE.closed);
    this.logger.warn(`Circuit breaker '${name}' force-closed`);
  }

  /** Sets the gauge from Redis; on a slow or absent Redis it keeps the values this process last observed. */
  async refreshGauge(): Promise<void> {
    if (this.breakers.size === 0) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        resolve(undefined);
      }, SCRAPE_TIMEOUT_MS);
      timer.unref();
    });
    try {
      const states = await Promise.race([this.states(), timeout]);
      for (const info of states ?? []) {
        this.gauge.set({ breaker: info.breaker }, GAUGE_VALUE[info.state]);
      }
    } catch (err) {
      this.logger.debug(`Breaker states not refreshed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  onModuleDestroy(): void {
    liveRegistries.delete(this);
  }
}

function toInfo(breaker: string, fields: readonly (string | null)[], now: number): BreakerStateInfo {
  const [rawState, failures, successes, openedAt, openUntil] = fields;
  const stored = toState(rawState);
  // Open → half-open happens lazily on the next call; report what that call would find.
  const state = stored === 'open' && now >= Number(openUntil) ? 'half_open' : stored;
  return {
    breaker,
    state,
    failure_count: Number(failures ?? 0),
    success_count: stored === 'half_open' ? Number(successes ?? 0) : 0,
    opened_at: state === 'closed' || !openedAt ? null : new Date(Number(openedAt)).toISOString(),
  };
}
