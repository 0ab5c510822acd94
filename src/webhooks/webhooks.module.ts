import { Module } from '@nestjs/common';

/**
 * Provider notification receivers (/webhooks/withings/, /webhooks/fitbit/), their verification, the durable
 * inbox and its reconciler. Filled by the webhooks and sync-pipeline work; bound only where the API runs.
 */
@Module({})
export class WebhooksModule {}
