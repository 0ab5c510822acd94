import { Injectable, Logger } from '@nestjs/common';
import { TypeOrmHealthIndicator, type HealthIndicatorResult } from '@nestjs/terminus';
import { AppConfig } from '../../config/app-config.js';
import type { ComponentHealthDto, HealthDto, ProbeError, ReadinessDto } from './dto/health.dto.js';
import { QueueHealthIndicator } from './queue.health.js';
import { RedisHealthIndicator } from './redis.health.js';

type Check = 'database' | 'redis' | 'queue';

function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** What Terminus reports when withTimeout() cut a check short; every other failure is the dependency's own. */
const TERMINUS_TIMEOUT = /^timeout of \d+ms exceeded$/;

/** A probe body is public, so it names the kind of failure only; driver messages carry hosts and ports. */
function probeError(message: string): ProbeError {
  return TERMINUS_TIMEOUT.test(message) ? 'timeout' : 'unavailable';
}

/**
 * Runs the Terminus indicators concurrently, each under HEALTH_CHECK_TIMEOUT_MS, and reports them in the
 * spec's shape with the time each took.
 */
@Injectable()
export class HealthService {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly config: AppConfig,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly queue: QueueHealthIndicator,
  ) {}

  async health(): Promise<HealthDto> {
    const started = performance.now();
    const [database, redis, queue] = await Promise.all([
      this.run('database'),
      this.run('redis'),
      this.run('queue'),
    ]);
    const healthy = [database, redis, queue].every((c) => c.status === 'healthy');
    return {
      status: healthy ? 'healthy' : 'unhealthy',
      timestamp: Math.floor(Date.now() / 1000),
      checks: { database, redis, queue },
      response_time_ms: round1(performance.now() - started),
    };
  }

  async readiness(): Promise<ReadinessDto> {
    const [database, redis] = await Promise.all([this.run('database'), this.run('redis')]);
    const checks = { database: database.status === 'healthy', redis: redis.status === 'healthy' };
    return { ready: checks.database && checks.redis, checks };
  }

  private async run(check: Check): Promise<ComponentHealthDto> {
    const timeout = this.config.healthCheckTimeoutMs;
    const started = performance.now();
    let result: HealthIndicatorResult;
    switch (check) {
      case 'database':
        result = await this.db.pingCheck(check, { timeout });
        break;
      case 'redis':
        result = await this.redis.check(check, timeout);
        break;
      case 'queue':
        result = await this.queue.check(check, timeout);
        break;
    }
    const elapsed = round1(performance.now() - started);
    const { status, message, queues } = result[check] ?? { status: 'down' };
    if (status === 'down') {
      const detail = typeof message === 'string' ? message : 'no message';
      // The detail goes to the log (with the request id), where operators can see which host failed how.
      this.logger.warn({ check, error: detail }, `Health check ${check} failed`);
      return { status: 'unhealthy', error: probeError(detail) };
    }
    return {
      status: 'healthy',
      response_time_ms: elapsed,
      ...(queues === undefined ? {} : { queues: queues as ComponentHealthDto['queues'] }),
    };
  }
}
