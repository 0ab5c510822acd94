import type { NotificationIntent, NotificationPayload } from '../../common/domain/notification.js';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import {
  ProviderCallError,
  ProviderNotifications,
  type SubscriptionRepair,
  type SubscriptionView,
} from '../auth/provider-auth.js';
import { ProviderGate } from '../resilience/provider-gate.js';
import { WITHINGS } from './withings.descriptor.js';
import { WithingsApiClient } from './withings-api.client.js';
import { interpretWithings } from './withings-intent.js';
import { planWithingsRepair, viewWithingsSubscriptions } from './withings-subscription-plan.js';

/**
 * Withings notify subscriptions, one per user and appli, pointing at a callback URL whose path carries
 * WITHINGS_WEBHOOK_SECRET (Withings does not sign notifications). Withings may cancel them silently after failed
 * deliveries and a rotated secret strands them on the old URL, hence the repair at link time and every night.
 */
@Injectable()
export class WithingsNotifications extends ProviderNotifications {
  readonly type = WITHINGS.type;
  private readonly logger = new Logger('WithingsNotify');

  constructor(
    private readonly config: AppConfig,
    private readonly api: WithingsApiClient,
    private readonly gate: ProviderGate,
  ) {
    super();
  }

  /** The callback URL Withings is told to notify; throws when the public URL or secret is not configured. */
  callbackUrl(): string {
    const base = this.config.linking.webhookBaseUrl;
    const secret = this.config.linking.withings.webhookSecret;
    if (base === undefined || secret === undefined) {
      throw new ProviderCallError(
        'WITHINGS_WEBHOOK_SECRET and WEBHOOK_PUBLIC_BASE_URL (or PUBLIC_BASE_URL) are needed to subscribe',
        false,
      );
    }
    return `${base}${WITHINGS.webhookPath}${secret}`;
  }

  async ensureSubscriptions(accessToken: string): Promise<SubscriptionRepair> {
    const callbackurl = this.callbackUrl();
    const existing = await this.gated('notify.list', () =>
      this.api.listSubscriptions(accessToken, this.signal()),
    );
    const plan = planWithingsRepair(existing, callbackurl, (url) => this.isOurs(url));
    // Subscribe before revoking, so a replaced appli is never without a subscription in between.
    for (const appli of [...plan.added, ...plan.replaced]) {
      await this.gated('notify.subscribe', () =>
        this.api.notify(
          accessToken,
          { action: 'subscribe', callbackurl, appli, comment: 'open-health-exchange' },
          this.signal(),
        ),
      );
    }
    for (const profile of plan.revoke) {
      await this.gated('notify.revoke', () =>
        this.api.notify(
          accessToken,
          { action: 'revoke', callbackurl: profile.callbackurl, appli: String(profile.appli) },
          this.signal(),
        ),
      );
    }
    if (plan.added.length + plan.replaced.length + plan.removed.length > 0) {
      this.logger.log(
        `subscriptions repaired: added ${plan.added.join(',') || '-'}, replaced ${plan.replaced.join(',') || '-'}, ` +
          `removed ${plan.removed.join(',') || '-'}`,
      );
    }
    return { added: plan.added, replaced: plan.replaced, removed: plan.removed };
  }

  async listSubscriptions(accessToken: string): Promise<SubscriptionView> {
    const callbackurl = this.callbackUrl();
    const existing = await this.gated('notify.list', () =>
      this.api.listSubscriptions(accessToken, this.signal()),
    );
    return viewWithingsSubscriptions(existing, callbackurl, (url) => this.isOurs(url));
  }

  async unsubscribeAll(accessToken: string): Promise<void> {
    const existing = await this.api.listSubscriptions(accessToken, this.signal());
    for (const profile of existing.filter((p) => this.isOurs(p.callbackurl))) {
      await this.api.notify(
        accessToken,
        { action: 'revoke', callbackurl: profile.callbackurl, appli: String(profile.appli) },
        this.signal(),
      );
    }
  }

  /** Any secret under our webhook path: the current one or one rotated out. */
  private isOurs(callbackurl: string): boolean {
    const base = this.config.linking.webhookBaseUrl;
    return base !== undefined && callbackurl.startsWith(`${base}${WITHINGS.webhookPath}`);
  }

  /**
   * The nightly check calls notify for every link, so it spends the application's Withings quota and respects
   * the provider's breaker like the data calls do (unlink stays ungated: it must not wait for a quota).
   */
  private gated<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const quota = {
      name: 'withings-app',
      limit: this.config.sync.quotas.withingsPerMinute,
      periodMs: 60_000,
    };
    return this.gate.call({ provider: WITHINGS.type, quota, quotaKey: 'app', operation }, fn);
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.config.linking.tokenCallTimeoutMs);
  }

  interpret(payload: NotificationPayload): NotificationIntent {
    return interpretWithings(payload, Date.now());
  }
}
