/*
 * Provider request quotas shared by every API and worker process through Redis.
 *
 * The algorithm is an exact sliding log kept as a ring: the quota key is one string holding a header (ring head,
 * blocked-until) and `limit` fixed-width slots with the times of the last `limit` admissions. A call is admitted
 * when the slot about to be overwritten (the admission `limit` calls ago) is at least `periodMs` old, so no rolling
 * window of `periodMs` ever holds more than `limit` calls, while a full burst of `limit` is allowed at once.
 * GCRA with a burst of `limit` would let through up to twice the limit in one rolling window, which is exactly
 * what trips a provider's own counter; a sorted-set log would be exact too but costs ~100 bytes per call instead
 * of 16. Everything happens in one Lua script with Redis TIME as the clock, so skewed hosts agree.
 *
 * If Redis is unreachable or slow the quota fails OPEN (the call goes ahead): the provider's own 429/601 and the
 * circuit breaker still protect it, and a Redis outage must not stop every sync.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { LuaScript, withTimeout } from '../../common/redis/lua-script.js';
import { RedisService } from '../../common/redis/redis.service.js';
import type { QuotaSpec } from './provider-gate.js';

/** The Redis access the quota needs; RedisService provides it, tests can pass any connection and prefix. */
export type QuotaRedis = Pick<RedisService, 'client' | 'key'>;

/** Whether a call may go ahead now, or how long until the budget has room again. */
export type QuotaDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMs: number };

// Fixed-width decimal fields: 16 digits hold any epoch millisecond value. Layout: [head][blocked_until][slot 0..].
// Bytes never written read back as NULs, which tonumber() turns into nil: an empty slot, free to use.
const NOW_AND_LAYOUT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local W = 16
local key = KEYS[1]
local function field(offset)
  return tonumber(redis.call('GETRANGE', key, offset, offset + W - 1)) or 0
end
`;

/**
 * ARGV: limit, period ms. Returns {1, 0} when admitted, {0, wait ms} when not. A refusal writes nothing, so
 * callers hammering a spent budget do not push its recovery further away.
 */
const TAKE = `${NOW_AND_LAYOUT}
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local head = field(0) % limit
local slot = (2 + head) * W
local wait = math.max(field(W) - now, field(slot) + period - now)
if wait > 0 then return {0, wait} end
redis.call('SETRANGE', key, slot, string.format('%016d', now))
redis.call('SETRANGE', key, 0, string.format('%016d', (head + 1) % limit))
redis.call('PEXPIRE', key, period)
return {1, 0}
`;

/**
 * ARGV: block ms. Blocks the budget until now + ms (never shortening an existing block) and keeps the key alive
 * at least that long. Returns the remaining block in ms.
 */
const PENALIZE = `${NOW_AND_LAYOUT}
local ms = tonumber(ARGV[1])
local blocked = math.max(field(W), now + ms)
redis.call('SETRANGE', key, W, string.format('%016d', blocked))
if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
return blocked - now
`;

const takeScript = new LuaScript(TAKE);
const penalizeScript = new LuaScript(PENALIZE);

/** Longest wait on Redis before a call goes ahead unmetered; far below any provider call's own latency. */
const REDIS_TIMEOUT_MS = 500;
/** A lasting Redis outage is logged again at most this often. */
const WARN_EVERY_MS = 60_000;

const ALLOWED: QuotaDecision = { allowed: true };

function checkSpec(spec: QuotaSpec): void {
  for (const field of ['limit', 'periodMs'] as const) {
    if (!Number.isSafeInteger(spec[field]) || spec[field] < 1) {
      throw new RangeError(`Quota '${spec.name}': ${field} must be a positive integer, got ${spec[field]}`);
    }
  }
}

/** Provider call budgets (`limit` per rolling `periodMs`), one per quota name and key, shared by all processes. */
@Injectable()
export class ProviderQuota {
  private readonly logger = new Logger('ProviderQuota');
  private redisDown = false;
  private lastWarnAt = Number.NEGATIVE_INFINITY;

  constructor(@Inject(RedisService) private readonly redis: QuotaRedis) {}

  /** The Redis key of one budget: `<prefix>:quota:<spec.name>:<key>`. */
  keyOf(spec: QuotaSpec, key: string): string {
    return this.redis.key('quota', spec.name, key);
  }

  /** Spends one call of the budget if it has room; otherwise says how long until it has. */
  async take(spec: QuotaSpec, key: string): Promise<QuotaDecision> {
    checkSpec(spec);
    const reply = await this.guarded(() =>
      takeScript.run(this.redis.client, this.keyOf(spec, key), [spec.limit, spec.periodMs]),
    );
    if (reply === undefined) {
      return ALLOWED;
    }
    if (!Array.isArray(reply)) {
      throw new TypeError(`Unexpected quota script reply: ${JSON.stringify(reply)}`);
    }
    const [admitted, wait] = reply as unknown[];
    return Number(admitted) === 1 ? ALLOWED : { allowed: false, retryAfterMs: Math.max(1, Number(wait)) };
  }

  /**
   * Blocks the budget for every process for `ms` (the provider's own Retry-After after a 429 / status 601), so
   * no worker calls again before the provider is willing to answer.
   */
  async penalize(spec: QuotaSpec, key: string, ms: number): Promise<void> {
    checkSpec(spec);
    const blockMs = Math.ceil(ms);
    if (!Number.isFinite(blockMs) || blockMs < 1) {
      return;
    }
    await this.guarded(() => penalizeScript.run(this.redis.client, this.keyOf(spec, key), [blockMs]));
  }

  /** Runs a Redis step; on any Redis problem returns undefined so the call goes ahead (fail open). */
  private async guarded<T>(step: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await withTimeout(step(), REDIS_TIMEOUT_MS);
      if (this.redisDown) {
        this.redisDown = false;
        this.logger.log('Redis is reachable again; provider quotas are enforced again');
      }
      return value;
    } catch (err) {
      this.redisDown = true;
      const now = Date.now();
      if (now - this.lastWarnAt >= WARN_EVERY_MS) {
        this.lastWarnAt = now;
        const reason = err instanceof Error ? err.message : String(err);
        this.logger.warn(`Redis unavailable (${reason}); provider calls go unmetered until it returns`);
      }
      return undefined;
    }
  }
}
