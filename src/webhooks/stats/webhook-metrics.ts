import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { METRIC } from '../../metrics/metric-names.js';

export type WebhookRequestLabels = 'provider' | 'status';

/** Per-process Prometheus series of the webhook receivers, next to the Redis counters shared by instances. */
export const webhookMetricProviders = [
  makeCounterProvider({
    name: METRIC.webhookRequests,
    help: 'Webhook requests by provider and HTTP status code',
    labelNames: ['provider', 'status'],
  }),
  makeHistogramProvider({
    name: METRIC.webhookProcessingTime,
    help: 'Webhook answer time in seconds, from the request reaching the service to its answer',
    labelNames: ['provider'],
    // A durable acceptance answers in milliseconds; Withings gives up after 2 s.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  }),
];
