import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { IngestorsModule } from '../../ingestors/ingestors.module.js';
import { MetricsModule } from '../../metrics/metrics.module.js';
import { WebhookStatsController } from './webhook-stats.controller.js';
import { WebhookStatsMiddleware } from './webhook-stats.middleware.js';
import { WebhookStatsService } from './webhook-stats.service.js';

/** /webhooks/health and /webhooks/metrics, and the Redis counters behind the latter. */
@Module({
  imports: [MetricsModule, IngestorsModule],
  controllers: [WebhookStatsController],
  providers: [WebhookStatsService, WebhookStatsMiddleware],
  exports: [WebhookStatsService],
})
export class WebhookStatsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WebhookStatsMiddleware).forRoutes('*path');
  }
}
