import { Injectable, type NestMiddleware } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import type { Counter, Histogram } from 'prom-client';
import { METRIC } from '../../metrics/metric-names.js';
import type { WebhookRequestLabels } from './webhook-metrics.js';
import { WebhookStatsService } from './webhook-stats.service.js';

const PROVIDER_PATH = /^\/webhooks\/([a-z0-9_-]+)(?:[/?]|$)/i;

/**
 * Times every request to /webhooks/<provider>/... of a supported provider and records it once answered, in the
 * Redis counters every instance shares and in this process's Prometheus series. A middleware rather than an
 * interceptor, so requests a guard refused (wrong token: 404) or the rate limit turned away count as failures too.
 */
@Injectable()
export class WebhookStatsMiddleware implements NestMiddleware {
  constructor(
    private readonly stats: WebhookStatsService,
    @InjectMetric(METRIC.webhookRequests) private readonly requests: Counter<WebhookRequestLabels>,
    @InjectMetric(METRIC.webhookProcessingTime) private readonly duration: Histogram<'provider'>,
  ) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const provider = PROVIDER_PATH.exec(req.originalUrl)?.[1]?.toLowerCase();
    if (provider !== undefined && this.stats.isProvider(provider)) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        this.stats.recordRequest(provider, res.statusCode >= 200 && res.statusCode < 300, ms);
        this.requests.inc({ provider, status: String(res.statusCode) });
        this.duration.observe({ provider }, ms / 1000);
      });
    }
    next();
  }
}
