import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { METRIC } from './metric-names.js';

/** Provided where the purge runs (the workers); `table` is notification_inbox or audit_events. */
export const retentionMetricProviders = [
  makeCounterProvider({
    name: METRIC.retentionPurgedRows,
    help: 'Rows deleted by the retention purge',
    labelNames: ['table'],
  }),
];
