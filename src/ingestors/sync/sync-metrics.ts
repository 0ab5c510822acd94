import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

/** The spec's sync metric names, recorded by the workers where the work happens. */
export const SYNC_METRIC = {
  operations: 'ohe_sync_operations_total',
  duration: 'ohe_sync_duration_seconds',
  dataPoints: 'ohe_data_points_processed_total',
  fhirRejected: 'ohe_fhir_rejected_records_total',
  jheRejected: 'ohe_jhe_rejected_records_total',
} as const;

/**
 * operation_type is `<data type>_fetch` per data type synced (the spec's `heart_rate_fetch`), or `device_sync`;
 * status success | error | delayed | skipped. Duration is per job: `<strategy>_sync` or `device_sync`.
 */
export const syncMetricProviders = [
  makeCounterProvider({
    name: SYNC_METRIC.operations,
    help: 'Total number of health data sync operations',
    labelNames: ['provider', 'operation_type', 'status'],
  }),
  makeHistogramProvider({
    name: SYNC_METRIC.duration,
    help: 'Time spent on health data sync operations',
    labelNames: ['provider', 'operation_type'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  }),
  makeCounterProvider({
    name: SYNC_METRIC.dataPoints,
    help: 'Total number of health data points processed',
    labelNames: ['provider', 'data_type'],
  }),
  // A refused record is skipped for good (its window counts as synced), so each one is counted for operators.
  makeCounterProvider({
    name: SYNC_METRIC.fhirRejected,
    help: 'Records the FHIR server refused (422) and that were skipped; the rest of their window was published',
    labelNames: ['provider', 'data_type'],
  }),
  // Entries a JupyterHealth Exchange refused (reason consent_missing for a 403, else jhe_rejected); they wait in
  // the sync state (partially_rejected) for a re-sync on request, which counts them again if refused again.
  makeCounterProvider({
    name: SYNC_METRIC.jheRejected,
    help: 'Entries the JupyterHealth Exchange refused in batch responses, per data type and reason',
    labelNames: ['data_type', 'reason'],
  }),
];
