import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import { TerminusModule } from '@nestjs/terminus';
import {
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
  InjectMetric,
  PrometheusModule,
} from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { SERVICE_VERSION } from '../common/version.js';
import { AppConfig } from '../config/app-config.js';
import { HealthController } from './health/health.controller.js';
import { HealthService } from './health/health.service.js';
import { QueueHealthIndicator } from './health/queue.health.js';
import { RedisHealthIndicator } from './health/redis.health.js';
import { HttpMetricsMiddleware } from './http/http-metrics.middleware.js';
import { MetricsController } from './metrics.controller.js';
import { METRIC } from './metric-names.js';
import { QueueSizeCollector, queueSizeGauge } from './queue-metrics.js';

// Default process metrics live in prom-client's global registry; registering them twice in one process
// (several app instances in a test run) would throw.
const defaultMetricsRegistered = (): boolean =>
  register.getSingleMetric('process_cpu_user_seconds_total') !== undefined;

/** Prometheus metrics (HTTP, build info, queue sizes), Terminus health indicators and the /api/metrics probes. */
@Module({
  imports: [
    TerminusModule,
    PrometheusModule.register({
      path: '/api/metrics/metrics',
      controller: MetricsController,
      defaultMetrics: { enabled: !defaultMetricsRegistered() },
    }),
  ],
  controllers: [HealthController],
  providers: [
    HealthService,
    RedisHealthIndicator,
    QueueHealthIndicator,
    HttpMetricsMiddleware,
    QueueSizeCollector,
    queueSizeGauge,
    makeCounterProvider({
      name: METRIC.apiRequests,
      help: 'Total number of API requests',
      labelNames: ['method', 'endpoint', 'status_code'],
    }),
    makeHistogramProvider({
      name: METRIC.apiRequestDuration,
      help: 'API request duration in seconds',
      labelNames: ['method', 'endpoint'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    }),
    makeGaugeProvider({
      name: METRIC.applicationInfo,
      help: 'Build information; the value is always 1',
      labelNames: ['version', 'role'],
    }),
  ],
  exports: [HealthService],
})
export class MetricsModule implements NestModule {
  constructor(@InjectMetric(METRIC.applicationInfo) info: Gauge<'version' | 'role'>, config: AppConfig) {
    info.set({ version: SERVICE_VERSION, role: config.role }, 1);
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
