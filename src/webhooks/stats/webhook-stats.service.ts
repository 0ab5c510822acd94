import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { RedisService } from '../../common/redis/redis.service.js';
import { ProviderRegistry } from '../../ingestors/registry/provider-registry.js';
import type { WebhookEndpointStatsDto, WebhookMetricsDto } from './webhook-stats.dto.js';

/** How often this process writes its counts: per interval, never per request, so the hot path has no Redis call. */
const FLUSH_EVERY_MS = 500;

/** How often, at most, a Redis failure while recording is logged. */
const WARN_EVERY_MS = 30_000;

const COUNT_FIELDS = ['requests', 'successes', 'failures', 'notifications', 'tasks_queued'] as const;

/** What this process recorded and has not written yet, per provider, in the Redis hash's field names. */
interface PendingCounts {
  requests: number;
  successes: number;
  failures: number;
  notifications: number;
  tasks_queued: number;
  totalMs: number;
  lastUpdated: string | undefined;
}

const EMPTY: PendingCounts = {
  requests: 0,
  successes: 0,
  failures: 0,
  notifications: 0,
  tasks_queued: 0,
  totalMs: 0,
  lastUpdated: undefined,
};

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function num(value: string | undefined): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/**
 * Webhook counters shared by every instance: one Redis hash per provider (requests, successes, failures,
 * total_ms, notifications, tasks_queued, last_updated). Recording never waits for Redis nor throws: a webhook is
 * answered whether or not its statistics could be kept. Updates are summed in memory and written every
 * FLUSH_EVERY_MS in one pipelined round trip: a round trip per request (or per event-loop turn) cost the busy
 * receiver Redis writes it need not make. Other instances' counts show up within that interval.
 */
@Injectable()
export class WebhookStatsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookStatsService.name);
  private lastWarning = 0;
  private readonly pending = new Map<string, PendingCounts>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: RedisService,
    private readonly registry: ProviderRegistry,
  ) {}

  /** Whether `provider` is a supported provider (only those get a hash, so arbitrary paths cannot add keys). */
  isProvider(provider: string): boolean {
    return this.registry.find(provider) !== undefined;
  }

  /** One answered request to /webhooks/<provider>/...: 2xx is a success, anything else a failure. */
  recordRequest(provider: string, success: boolean, durationMs: number): void {
    const counts = this.countsOf(provider);
    counts.requests++;
    if (success) {
      counts.successes++;
    } else {
      counts.failures++;
    }
    counts.totalMs += durationMs;
    counts.lastUpdated = new Date().toISOString();
  }

  /** One notification accepted, and the sync tasks it queued. */
  recordNotification(provider: string, tasksQueued: number): void {
    const counts = this.countsOf(provider);
    counts.notifications++;
    counts.tasks_queued += tasksQueued;
  }

  /** Writes what is still unwritten before the Redis connection closes (RedisModule closes it at shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The spec's metrics for every supported provider; zeros for providers that received nothing. */
  async metrics(): Promise<WebhookMetricsDto> {
    // This process's latest counts first, so a reader right after a webhook sees it.
    await this.flush();
    const providers = this.registry.types;
    const pipeline = this.redis.client.pipeline();
    for (const provider of providers) {
      pipeline.hgetall(this.key(provider));
    }
    const results = (await pipeline.exec()) ?? [];
    const endpoints: Record<string, WebhookEndpointStatsDto> = {};
    const notifications: Record<string, number> = {};
    let requests = 0;
    let successes = 0;
    let failures = 0;
    let totalMs = 0;
    let tasks = 0;
    let lastUpdated: string | null = null;
    providers.forEach((provider, i) => {
      const [err, value] = results[i] ?? [null, {}];
      if (err) {
        throw err;
      }
      const hash = (value ?? {}) as Record<string, string | undefined>;
      const n = num(hash['requests']);
      const ok = num(hash['successes']);
      const ms = num(hash['total_ms']);
      endpoints[provider] = {
        requests: n,
        success_rate: n === 0 ? 0 : round1((ok / n) * 100),
        avg_response_time_ms: n === 0 ? 0 : round1(ms / n),
      };
      notifications[provider] = num(hash['notifications']);
      requests += n;
      successes += ok;
      failures += num(hash['failures']);
      totalMs += ms;
      tasks += num(hash['tasks_queued']);
      const updated = hash['last_updated'];
      if (updated !== undefined && (lastUpdated === null || updated > lastUpdated)) {
        lastUpdated = updated;
      }
    });
    return {
      webhook_metrics: {
        total_requests: requests,
        successful_requests: successes,
        failed_requests: failures,
        average_response_time_ms: requests === 0 ? 0 : round1(totalMs / requests),
      },
      endpoints,
      provider_notifications: notifications,
      sync_tasks_queued: tasks,
      last_updated: lastUpdated,
    };
  }

  private key(provider: string): string {
    return this.redis.key('webhook-stats', provider);
  }

  private countsOf(provider: string): PendingCounts {
    let counts = this.pending.get(provider);
    if (counts === undefined) {
      counts = { ...EMPTY };
      this.pending.set(provider, counts);
    }
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
      // Pending statistics must not keep a finished process alive; shutdown flushes them.
      this.timer.unref();
    }
    return counts;
  }

  /** One pipelined round trip for everything recorded since the last flush, every provider at once. */
  private async flush(): Promise<void> {
    if (this.pending.size === 0) {
      return;
    }
    const pipeline = this.redis.client.pipeline();
    for (const [provider, c] of this.pending) {
      const key = this.key(provider);
      for (const field of COUNT_FIELDS) {
        if (c[field] !== 0) {
          pipeline.hincrby(key, field, c[field]);
        }
      }
      if (c.requests > 0) {
        pipeline.hincrbyfloat(key, 'total_ms', c.totalMs);
      }
      if (c.lastUpdated !== undefined) {
        pipeline.hset(key, 'last_updated', c.lastUpdated);
      }
    }
    this.pending.clear();
    try {
      const results = await pipeline.exec();
      const failed = results?.find(([err]) => err !== null)?.[0];
      if (failed) {
        throw failed;
      }
    } catch (err) {
      const now = Date.now();
      if (now - this.lastWarning >= WARN_EVERY_MS) {
        this.lastWarning = now;
        this.logger.warn(`Could not record webhook statistics: ${(err as Error).message}`);
      }
    }
  }
}
