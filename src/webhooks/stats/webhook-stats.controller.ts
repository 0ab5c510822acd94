import { Controller, Get, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../common/auth/auth.decorators.js';
import { SERVICE_VERSION } from '../../common/version.js';
import type { ComponentHealthDto } from '../../metrics/health/dto/health.dto.js';
import { HealthService } from '../../metrics/health/health.service.js';
import { WebhookHealthDto, WebhookMetricsDto } from './webhook-stats.dto.js';
import { WebhookStatsService } from './webhook-stats.service.js';

@ApiTags('webhooks')
@Public()
@Controller('webhooks')
export class WebhookStatsController {
  private readonly logger = new Logger(WebhookStatsController.name);

  constructor(
    private readonly health: HealthService,
    private readonly stats: WebhookStatsService,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Webhook receiver health: database, Redis and task queue' })
  @ApiOkResponse({ type: WebhookHealthDto })
  @ApiServiceUnavailableResponse({
    type: WebhookHealthDto,
    description: 'At least one service is unhealthy; `error` names them',
  })
  async check(@Res({ passthrough: true }) res: Response): Promise<WebhookHealthDto> {
    const report = await this.health.health();
    const components: Array<[string, ComponentHealthDto]> = [
      ['database', report.checks.database],
      ['redis', report.checks.redis],
      ['task_queue', report.checks.queue],
    ];
    const failing = components.filter(([, c]) => c.status !== 'healthy');
    const body: WebhookHealthDto = {
      status: failing.length === 0 ? 'healthy' : 'unhealthy',
      timestamp: new Date().toISOString(),
      services: {
        database: report.checks.database.status,
        redis: report.checks.redis.status,
        task_queue: report.checks.queue.status,
      },
      version: SERVICE_VERSION,
    };
    if (failing.length > 0) {
      body.error = `Unhealthy services: ${failing
        .map(([name, c]) => (c.error === undefined ? name : `${name} (${c.error})`))
        .join(', ')}`;
    }
    res.status(failing.length === 0 ? 200 : 503);
    return body;
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Webhook request counts, success rates and response times, across all instances' })
  @ApiOkResponse({ type: WebhookMetricsDto })
  @ApiServiceUnavailableResponse({ description: 'The shared counters (Redis) cannot be read' })
  async metrics(): Promise<WebhookMetricsDto> {
    try {
      return await this.stats.metrics();
    } catch (err) {
      this.logger.warn(`Could not read webhook statistics: ${(err as Error).message}`);
      throw new ServiceUnavailableException('Webhook statistics are unavailable');
    }
  }
}
