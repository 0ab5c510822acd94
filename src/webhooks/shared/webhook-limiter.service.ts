import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RateLimitError } from '../../common/errors/api-error.js';
import { SharedWindowCounter } from '../../common/rate-limit/shared-window-counter.js';
import { RedisService } from '../../common/redis/redis.service.js';
import { AppConfig } from '../../config/app-config.js';

const WINDOW_MS = 60_000;
/** Other processes' webhook traffic is seen this late at most; within one process counts are exact. */
const FLUSH_MS = 250;
const MAX_SOURCES = 50_000;

/**
 * Webhook rate limits, decided after verification: a provider's budget (RATE_LIMIT_WEBHOOKS a minute) is spent only
 * by requests whose secret or signature checked out, so forged traffic can never make a genuine notification answer
 * 429. Whatever did not verify (or carries no credential: the challenge echo) is limited per source address
 * (RATE_LIMIT_WEBHOOKS_UNVERIFIED a minute) and never touches a provider's budget. Counting is local with a shared
 * Redis total written every FLUSH_MS (SharedWindowCounter): no Redis round trip on the request path.
 */
@Injectable()
export class WebhookLimiter implements OnApplicationShutdown {
  private readonly verified: SharedWindowCounter;
  private readonly unverified: SharedWindowCounter;

  constructor(
    redis: RedisService,
    private readonly config: AppConfig,
  ) {
    const options = { windowMs: WINDOW_MS, flushMs: FLUSH_MS };
    this.verified = new SharedWindowCounter(redis.client, redis.key('rl', 'webhooks'), {
      ...options,
      maxKeys: 64,
    });
    this.unverified = new SharedWindowCounter(redis.client, redis.key('rl', 'webhooks-unverified'), {
      ...options,
      maxKeys: MAX_SOURCES,
    });
  }

  /**
   * Spends one request of a verified provider's budget; sets the X-RateLimit headers.
   * @throws RateLimitError when the provider's budget for this minute is spent
   */
  admitVerified(provider: string, res: Response): void {
    const limit = this.config.rateLimits.webhooks;
    const { total, resetAtMs } = this.verified.hit(provider);
    res.setHeader('X-RateLimit-Limit', String(limit));
    res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - total)));
    res.setHeader('X-RateLimit-Reset', String(Math.ceil(resetAtMs / 1000)));
    if (total > limit) {
      throw new RateLimitError(limit, WINDOW_MS / 1000, secondsUntil(resetAtMs));
    }
  }

  /**
   * Counts an unauthenticated request against its source address.
   * @throws RateLimitError when that address has spent its budget for this minute
   */
  admitUnverified(req: Request): void {
    const limit = this.config.rateLimits.webhooksUnverified;
    const { total, resetAtMs } = this.unverified.hit(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (total > limit) {
      throw new RateLimitError(limit, WINDOW_MS / 1000, secondsUntil(resetAtMs));
    }
  }

  /** A request that failed verification: counted per source address, then refused with `refusal` (or 429). */
  refuse(req: Request, refusal: Error): never {
    this.admitUnverified(req);
    throw refusal;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.verified.close(), this.unverified.close()]);
  }
}

function secondsUntil(epochMs: number): number {
  return Math.max(1, Math.ceil((epochMs - Date.now()) / 1000));
}
