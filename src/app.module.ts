import {
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { BaseModule } from './base/base.module.js';
import { AuthModule } from './common/auth/auth.module.js';
import { OrganizationsModule } from './common/organizations/organizations.module.js';
import { AcceptVersionMiddleware } from './common/http/accept-version.middleware.js';
import { CorsMiddleware } from './common/http/cors.middleware.js';
import { LoggingModule } from './common/logging/logging.module.js';
import { QueueModule } from './common/queue/queue.module.js';
import { RateLimitModule } from './common/rate-limit/rate-limit.module.js';
import { RedisModule } from './common/redis/redis.module.js';
import { ResilienceModule } from './common/resilience/resilience.module.js';
import { ShutdownModule } from './common/shutdown/shutdown.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { IngestorsModule } from './ingestors/ingestors.module.js';
import { WorkersModule } from './ingestors/workers.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PublishersModule } from './publishers/publishers.module.js';
import { TransformersModule } from './transformers/transformers.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/**
 * The root module, assembled per ROLE: every process gets the infrastructure, probes and metrics; the REST API
 * and webhook receivers only where the API runs; queue processors only where workers run.
 */
@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        ShutdownModule,
        DatabaseModule,
        RedisModule,
        ResilienceModule,
        QueueModule,
        OrganizationsModule,
        AuthModule,
        RateLimitModule,
        MetricsModule,
        TransformersModule,
        PublishersModule,
        IngestorsModule,
        ...(config.runsApi ? [BaseModule, WebhooksModule] : []),
        ...(config.runsWorkers ? [WorkersModule] : []),
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // CORS first: a preflight carries no version and must be answered before anything can refuse it.
    consumer
      .apply(CorsMiddleware, AcceptVersionMiddleware)
      .forRoutes({ path: 'api/*path', method: RequestMethod.ALL });
  }
}
