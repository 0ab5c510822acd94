import { Module } from '@nestjs/common';
import { AuditService } from '../common/audit/audit.service.js';
import { PROVIDER_AUTHS, PROVIDER_NOTIFICATIONS, ProviderAdapters } from './auth/provider-adapters.js';
import { GoogleHealthAuth } from './google-health/google-health.auth.js';
import { GoogleHealthNotifications } from './google-health/google-health.notifications.js';
import { GoogleOAuthClient } from './google-health/google-oauth.client.js';
import { ProviderRegistry } from './registry/provider-registry.js';
import { LinkSubscriptionsService } from './subscriptions/link-subscriptions.service.js';
import { LinkTokenRepository } from './tokens/link-token.repository.js';
import { TokenService } from './tokens/token.service.js';
import { TokenVault } from './tokens/token-vault.js';
import { WithingsApiClient } from './withings/withings-api.client.js';
import { WithingsAuth } from './withings/withings.auth.js';
import { WithingsNotifications } from './withings/withings.notifications.js';

/** Adding a provider: add its folder, then its adapters to these two lists (and its descriptor to the registry). */
const AUTH_ADAPTERS = [WithingsAuth, GoogleHealthAuth];
const NOTIFICATION_ADAPTERS = [WithingsNotifications, GoogleHealthNotifications];

/**
 * Provider adapters (one folder per provider, behind ProviderAuth / ProviderNotifications), token storage and
 * refresh. Sync strategies and processors arrive with the sync-pipeline work.
 */
@Module({
  providers: [
    ProviderRegistry,
    WithingsApiClient,
    GoogleOAuthClient,
    ...AUTH_ADAPTERS,
    ...NOTIFICATION_ADAPTERS,
    { provide: PROVIDER_AUTHS, useFactory: (...a: unknown[]) => a, inject: AUTH_ADAPTERS },
    { provide: PROVIDER_NOTIFICATIONS, useFactory: (...n: unknown[]) => n, inject: NOTIFICATION_ADAPTERS },
    ProviderAdapters,
    AuditService,
    TokenVault,
    LinkTokenRepository,
    TokenService,
    LinkSubscriptionsService,
  ],
  exports: [
    ProviderRegistry,
    ProviderAdapters,
    AuditService,
    TokenVault,
    LinkTokenRepository,
    TokenService,
    LinkSubscriptionsService,
  ],
})
export class IngestorsModule {}
