/** Prometheus metric names of the service; the ohe_ prefix and names follow the spec. */
export const METRIC = {
  apiRequests: 'ohe_api_requests_total',
  apiRequestDuration: 'ohe_api_request_duration_seconds',
  applicationInfo: 'ohe_application_info',
  webhookRequests: 'ohe_webhook_requests_total',
  webhookProcessingTime: 'ohe_webhook_processing_time_seconds',
  queueSize: 'ohe_queue_size',
  retentionPurgedRows: 'ohe_retention_purged_rows_total',
  inboxFailed: 'ohe_inbox_failed_total',
  subscriptionRepairs: 'ohe_subscription_repairs_total',
} as const;
