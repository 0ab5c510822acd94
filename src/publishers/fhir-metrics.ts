import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

/** The spec's FHIR metric names (kept here until src/metrics/metric-names.ts takes them over). */
export const FHIR_METRIC = {
  operations: 'ohe_fhir_operations_total',
  responseTime: 'ohe_fhir_response_time_seconds',
} as const;

export type FhirOperationLabels = 'operation' | 'resource_type' | 'status';

/**
 * `operation` is `transaction` (resource_type `Bundle`; status success, retryable_error, permanent_error,
 * circuit_open) or, per entry, `conditional-create` / `conditional-update` (status created, updated, unchanged,
 * failed).
 */
export const fhirMetricProviders = [
  makeCounterProvider({
    name: FHIR_METRIC.operations,
    help: 'FHIR write operations by operation, resource type and outcome',
    labelNames: ['operation', 'resource_type', 'status'],
  }),
  makeHistogramProvider({
    name: FHIR_METRIC.responseTime,
    help: 'FHIR server response time in seconds, per HTTP request',
    labelNames: ['operation'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
];
