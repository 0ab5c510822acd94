import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

/** Provider API metric names (the spec's, plus requests and duration for the same calls). */
export const PROVIDER_METRIC = {
  errors: 'ohe_provider_api_errors_total',
  rateLimits: 'ohe_provider_api_rate_limits_total',
  requests: 'ohe_provider_api_requests_total',
  duration: 'ohe_provider_api_duration_seconds',
} as const;

/**
 * How a gated call failed. `rate_limit_error` is the provider's own 429 / status 601; `auth_error` a refused
 * token or unusable link; `server_error` a retryable failure (5xx, timeout, transport); `client_error` a
 * non-retryable one (4xx, invalid params); `circuit_open` a call the breaker refused without calling.
 */
export type ProviderErrorType =
  | 'rate_limit_error'
  | 'auth_error'
  | 'server_error'
  | 'client_error'
  | 'circuit_open';

/** Outcome label of ohe_provider_api_requests_total: success, an error type, or `throttled` (our own quota). */
export type ProviderRequestStatus = 'success' | 'throttled' | ProviderErrorType;

export const providerMetricProviders = [
  makeCounterProvider({
    name: PROVIDER_METRIC.errors,
    help: 'Provider API errors by provider and error type',
    labelNames: ['provider', 'error_type'],
  }),
  makeCounterProvider({
    name: PROVIDER_METRIC.rateLimits,
    help: 'Provider rate limit hits: source="local" our shared quota refused, source="provider" the provider did',
    labelNames: ['provider', 'source'],
  }),
  makeCounterProvider({
    name: PROVIDER_METRIC.requests,
    help: 'Provider API calls through the gate by provider, operation and outcome',
    labelNames: ['provider', 'operation', 'status'],
  }),
  makeHistogramProvider({
    name: PROVIDER_METRIC.duration,
    help: 'Provider API call duration in seconds (calls that reached the provider)',
    labelNames: ['provider', 'operation'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
];
