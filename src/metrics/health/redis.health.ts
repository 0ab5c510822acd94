import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { RedisService } from '../../common/redis/redis.service.js';

@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly redis: RedisService,
  ) {}

  check(key: string, timeoutMs: number): PromiseLike<HealthIndicatorResult> {
    return this.indicator
      .check(key)
      .attempt(() => this.redis.ping())
      .withTimeout(timeoutMs);
  }
}
