import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { ServerResponse } from 'node:http';
import type { Counter, Histogram } from 'prom-client';
import { METRIC } from '../../metrics/metric-names.js';
import type { WebhookRequestLabels } from './webhook-metrics.js';
import { WebhookStatsService } from './webhook-stats.service.js';

/**
 * Records one answered webhook request in the counters every instance shares and in this process's Prometheus
 * series. Shared by the stats middleware (requests served through Nest's router) and the webhook pipeline
 * (requests answered before it), so each request is counted exactly once whichever path answered it.
 */
@Injectable()
export class WebhookRequestTracker {
  constructor(
    private readonly stats: WebhookStatsService,
    @InjectMetric(METRIC.webhookRequests) private readonly requests: Counter<WebhookRequestLabels>,
    @InjectMetric(METRIC.webhookProcessingTime) private readonly duration: Histogram<'provider'>,
  ) {}

  /** Whether `provider` is a supported provider (only those are counted, so arbitrary paths add no series). */
  isProvider(provider: string): boolean {
    return this.stats.isProvider(provider);
  }

  /** Records `res` once it is answered, timed from `started` (process.hrtime.bigint()). */
  trackAnswer(provider: string, res: ServerResponse, started: bigint): void {
    res.once('finish', () => {
      this.record(provider, res.statusCode, elapsedMs(started));
    });
  }

  record(provider: string, statusCode: number, ms: number): void {
    this.stats.recordRequest(provider, statusCode >= 200 && statusCode < 300, ms);
    this.requests.inc({ provider, status: String(statusCode) });
    this.duration.observe({ provider }, ms / 1000);
  }
}

/** Milliseconds since `started` (process.hrtime.bigint()). */
export function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}
