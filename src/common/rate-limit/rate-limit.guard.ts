import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import type { AuthenticatedRequest } from '../auth/auth.decorators.js';
import { RateLimitError } from '../errors/api-error.js';
import { atMostEvery } from '../logging/at-most-every.js';
import { RATE_LIMIT_POLICY, type RateLimitPolicy } from './rate-limit.decorator.js';
import type { RedisThrottlerStorage } from './redis-throttler.storage.js';

const WINDOW_MS = 60_000;

function firstString(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') {
    return value;
  }
  return Array.isArray(value) ? firstString(value[0]) : undefined;
}

/**
 * Enforces the spec's per-category limits with counters in Redis and sets X-RateLimit-Limit, -Remaining and
 * -Reset (epoch seconds) on every limited response. When Redis is unreachable, or silent past
 * REDIS_COMMAND_TIMEOUT_MS, the request is let through: refusing all traffic because a counter store is down would
 * turn a Redis blip into an outage.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');
  private readonly warnUnavailable = atMostEvery(30_000, (err: unknown) => {
    this.logger.warn({ err }, 'rate-limit store unavailable; requests allowed');
  });

  constructor(
    private readonly reflector: Reflector,
    @Inject(ThrottlerStorage) private readonly storage: RedisThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<RateLimitPolicy | undefined>(RATE_LIMIT_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (policy === undefined) {
      return true;
    }
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const res = http.getResponse<Response>();
    const limit = this.limitOf(policy);

    let record;
    try {
      record = await this.storage.increment(this.trackerOf(policy, req), WINDOW_MS, limit, WINDOW_MS, policy);
    } catch (err) {
      this.warnUnavailable(err);
      return true;
    }
    res.setHeader('X-RateLimit-Limit', String(limit));
    res.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - record.totalHits)));
    res.setHeader('X-RateLimit-Reset', String(record.resetAt));
    if (record.isBlocked) {
      throw new RateLimitError(limit, WINDOW_MS / 1000, record.timeToBlockExpire);
    }
    return true;
  }

  private limitOf(policy: RateLimitPolicy): number {
    const limits = this.config.rateLimits;
    switch (policy) {
      case 'provider_info':
        return limits.providerInfo;
      case 'user_sync_status':
        return limits.userSyncStatus;
      case 'device_sync':
        return limits.deviceSync;
    }
  }

  /**
   * Provider info is limited per client address and user routes per patient: a
   * service principal acting for many patients gets a budget per patient, not one shared budget.
   */
  private trackerOf(policy: RateLimitPolicy, req: AuthenticatedRequest): string {
    switch (policy) {
      case 'provider_info':
        return `ip:${req.ip ?? 'unknown'}`;
      case 'user_sync_status':
      case 'device_sync': {
        // A patient may act only for itself, so its requests spend its own budget whatever id they name: it
        // must not be able to exhaust another patient's budget (locking out the EHR acting for that patient).
        // Per organization too: two organizations' patients may share an EHR id, and must not share a budget.
        const org = req.principal?.organizationId ?? 'none';
        if (req.principal?.role === 'patient' && req.principal.ehrUserId !== undefined) {
          return `user:${org}:${req.principal.ehrUserId}`;
        }
        const body: unknown = req.body;
        const target =
          firstString(req.query['ehr_user_id']) ??
          (typeof body === 'object' && body !== null && 'ehr_user_id' in body
            ? firstString(body.ehr_user_id)
            : undefined);
        return `user:${org}:${target ?? req.principal?.subject ?? `ip:${req.ip ?? 'unknown'}`}`;
      }
    }
  }
}
