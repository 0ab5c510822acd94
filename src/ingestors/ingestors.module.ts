import { Module } from '@nestjs/common';
import { AuditService } from '../common/audit/audit.service.js';
import { PublishersModule } from '../publishers/publishers.module.js';
import { OrganizationPublishersModule } from '../publishers/organizations/organization-publishers.module.js';
import {
  PROVIDER_AUTHS,
  PROVIDER_DATA,
  PROVIDER_NOTIFICATIONS,
  ProviderAdapters,
} from './auth/provider-adapters.js';
import { GoogleHealthAuth } from './google-health/google-health.auth.js';
import { GoogleHealthNotifications } from './google-health/google-health.notifications.js';
import { GoogleOAuthClient } from './google-health/google-oauth.client.js';
import { GoogleHealthDataClient } from './google-health/google-health-data.client.js';
import { GoogleHealthData } from './google-health/google-health.data.js';
import { LinkEndingService } from './links/link-ending.service.js';
import { LinkJobs } from './links/link-jobs.js';
import { ProviderRegistry } from './registry/provider-registry.js';
import { ProviderResilienceModule } from './resilience/provider-resilience.module.js';
import { LinkSubscriptionsService } from './subscriptions/link-subscriptions.service.js';
import { DeviceSyncService } from './sync/device-sync.service.js';
import { LinkLock } from './sync/link-lock.js';
import { SyncLinkRepository } from './sync/sync-link.repository.js';
import { syncMetricProviders } from './sync/sync-metrics.js';
import { SyncService } from './sync/sync.service.js';
import { PatientGate } from './sync/patient-gate.js';
import { RejectedRecordsRepository } from './sync/rejected-records.repository.js';
import { SyncRequestRepository } from './sync/sync-request.repository.js';
import { SyncRequestProgress } from './sync/sync-request-progress.js';
import { PatientStateRepository } from './sync/patient-state.repository.js';
import { LinkTokenRepository } from './tokens/link-token.repository.js';
import { TokenService } from './tokens/token.service.js';
import { TokenVault } from './tokens/token-vault.js';
import { WithingsApiClient } from './withings/withings-api.client.js';
import { WithingsAuth } from './withings/withings.auth.js';
import { WithingsNotifications } from './withings/withings.notifications.js';
import { WithingsData } from './withings/withings.data.js';

/** Adding a provider: add its folder, then its adapters to these lists (and its descriptor to the registry). */
const AUTH_ADAPTERS = [WithingsAuth, GoogleHealthAuth];
const NOTIFICATION_ADAPTERS = [WithingsNotifications, GoogleHealthNotifications];
const DATA_ADAPTERS = [WithingsData, GoogleHealthData];

/**
 * Provider adapters (one folder per provider, behind ProviderAuth / ProviderNotifications / ProviderData), token
 * storage and refresh, the jobs a link's life queues, and the sync and device-sync services the processors
 * (WorkersModule) and the device-sync endpoint run.
 */
@Module({
  imports: [PublishersModule, OrganizationPublishersModule, ProviderResilienceModule],
  providers: [
    ProviderRegistry,
    WithingsApiClient,
    GoogleOAuthClient,
    GoogleHealthDataClient,
    ...AUTH_ADAPTERS,
    ...NOTIFICATION_ADAPTERS,
    ...DATA_ADAPTERS,
    { provide: PROVIDER_AUTHS, useFactory: (...a: unknown[]) => a, inject: AUTH_ADAPTERS },
    { provide: PROVIDER_NOTIFICATIONS, useFactory: (...n: unknown[]) => n, inject: NOTIFICATION_ADAPTERS },
    { provide: PROVIDER_DATA, useFactory: (...d: unknown[]) => d, inject: DATA_ADAPTERS },
    ProviderAdapters,
    AuditService,
    TokenVault,
    LinkTokenRepository,
    TokenService,
    LinkSubscriptionsService,
    LinkJobs,
    LinkEndingService,
    LinkLock,
    SyncLinkRepository,
    SyncService,
    DeviceSyncService,
    PatientGate,
    PatientStateRepository,
    RejectedRecordsRepository,
    SyncRequestRepository,
    SyncRequestProgress,
    ...syncMetricProviders,
  ],
  exports: [
    ProviderRegistry,
    ProviderAdapters,
    AuditService,
    TokenVault,
    LinkTokenRepository,
    TokenService,
    LinkSubscriptionsService,
    LinkJobs,
    LinkEndingService,
    LinkLock,
    SyncLinkRepository,
    SyncService,
    DeviceSyncService,
    SyncRequestRepository,
    SyncRequestProgress,
  ],
})
export class IngestorsModule {}
