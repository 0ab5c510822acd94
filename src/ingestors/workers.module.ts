import { Module } from '@nestjs/common';
import { RetentionService } from '../common/retention/retention.service.js';
import { inboxMetricProviders } from '../metrics/inbox-metrics.js';
import { retentionMetricProviders } from '../metrics/retention-metrics.js';
import { subscriptionMetricProviders } from '../metrics/subscription-metrics.js';
import { PublishersModule } from '../publishers/publishers.module.js';
import { AppConfig } from '../config/app-config.js';
import {
  INBOX_RECONCILER_OPTIONS,
  InboxReconciler,
  type InboxReconcilerOptions,
} from '../webhooks/inbox/inbox-reconciler.service.js';
import { OrganizationPublishersModule } from '../publishers/organizations/organization-publishers.module.js';
import { IngestorsModule } from './ingestors.module.js';
import { DeviceSyncProcessor } from './processors/device-sync.processor.js';
import { LinkMaintenanceProcessor } from './processors/link-maintenance.processor.js';
import { MaintenanceProcessor } from './processors/maintenance.processor.js';
import { NotificationsProcessor } from './processors/notifications.processor.js';
import { SyncScheduleProcessor } from './processors/sync-schedule.processor.js';
import { UserSyncProcessor } from './processors/user-sync.processor.js';
import { SubscriptionRepairQueue } from './subscriptions/subscription-repair-queue.js';
import { NotificationRoutingRepository } from './sync/notification-routing.repository.js';

/**
 * The queue processors. Imported only by processes that run workers (ROLE=all|worker), so an API-only process
 * never consumes jobs. The inbox reconciler lives here too: it re-queues lost notification jobs, which only matters
 * where they are consumed, and SKIP LOCKED lets every worker process run it. The retention purge runs as a
 * repeatable job of the maintenance queue.
 */
@Module({
  imports: [IngestorsModule, PublishersModule, OrganizationPublishersModule],
  providers: [
    NotificationRoutingRepository,
    LinkMaintenanceProcessor,
    NotificationsProcessor,
    UserSyncProcessor,
    DeviceSyncProcessor,
    SyncScheduleProcessor,
    InboxReconciler,
    {
      provide: INBOX_RECONCILER_OPTIONS,
      inject: [AppConfig],
      useFactory: ({ sync }: AppConfig): Partial<InboxReconcilerOptions> => ({
        intervalMs: sync.inbox.reconcileIntervalMs,
        staleAfterMs: sync.inbox.reconcileStaleAfterMs,
      }),
    },
    RetentionService,
    MaintenanceProcessor,
    SubscriptionRepairQueue,
    ...retentionMetricProviders,
    ...subscriptionMetricProviders,
    ...inboxMetricProviders,
  ],
})
export class WorkersModule {}
