import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { IngestorsModule } from '../../ingestors/ingestors.module.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { webhookMetricProviders } from './webhook-metrics.js';
import { WebhookRequestTracker } from './webhook-request-tracker.js';
import { WebhookStatsController } from './webhook-stats.controller.js';
import { WebhookStatsMiddleware } from './webhook-stats.middleware.js';
import { WebhookStatsService } from './webhook-stats.service.js';

/**
 * /webhooks/health and /webhooks/metrics, the Redis counters behind the latter, and the webhook Prometheus series.
 */
@Module({
  imports: [MetricsModule, IngestorsModule],
  controllers: [WebhookStatsController],
  providers: [WebhookStatsService, WebhookRequestTracker, WebhookStatsMiddleware, ...webhookMetricProviders],
  exports: [WebhookStatsService, WebhookRequestTracker],
})
export class WebhookStatsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WebhookStatsMiddleware).forRoutes('webhooks/*path');
  }
}
