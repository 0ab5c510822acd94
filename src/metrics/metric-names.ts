/** Prometheus metric names of the service; the ohe_ prefix and names follow the spec. */
export const METRIC = {
  apiRequests: 'ohe_api_requests_total',
  apiRequestDuration: 'ohe_api_request_duration_seconds',
  applicationInfo: 'ohe_application_info',
} as const;
