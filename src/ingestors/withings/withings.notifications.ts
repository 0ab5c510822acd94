import type { NotificationIntent, NotificationPayload } from '../../common/domain/notification.js';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ProviderCallError, ProviderNotifications } from '../auth/provider-auth.js';
import { WITHINGS } from './withings.descriptor.js';
import { WithingsApiClient } from './withings-api.client.js';
import { interpretWithings } from './withings-intent.js';

/** The notify categories (research A3): weight, temperature, BP/HR/SpO2, activity, sleep, user events (46: unlink/delete), ECG, HRV. */
export const WITHINGS_APPLIS = [1, 2, 4, 16, 44, 46, 54, 62] as const;

/**
 * Withings notify subscriptions, one per user and appli, pointing at a callback URL whose path carries
 * WITHINGS_WEBHOOK_SECRET (Withings does not sign notifications). Subscribing lists first and adds what is missing.
 */
@Injectable()
export class WithingsNotifications extends ProviderNotifications {
  readonly type = WITHINGS.type;
  private readonly logger = new Logger('WithingsNotify');

  constructor(
    private readonly config: AppConfig,
    private readonly api: WithingsApiClient,
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

  async ensureSubscriptions(accessToken: string): Promise<readonly string[]> {
    const callbackurl = this.callbackUrl();
    const existing = await this.api.listSubscriptions(accessToken, this.signal());
    const have = new Set(existing.filter((p) => p.callbackurl === callbackurl).map((p) => p.appli));
    const created: string[] = [];
    for (const appli of WITHINGS_APPLIS.filter((a) => !have.has(a))) {
      await this.api.notify(
        accessToken,
        { action: 'subscribe', callbackurl, appli: String(appli), comment: 'open-health-exchange' },
        this.signal(),
      );
      created.push(String(appli));
    }
    if (created.length > 0) {
      this.logger.log(`subscribed applis ${created.join(',')}`);
    }
    return created;
  }

  async unsubscribeAll(accessToken: string): Promise<void> {
    const base = this.config.linking.webhookBaseUrl;
    const ours = (p: { callbackurl: string }): boolean =>
      base !== undefined && p.callbackurl.startsWith(`${base}${WITHINGS.webhookPath}`);
    const existing = await this.api.listSubscriptions(accessToken, this.signal());
    for (const profile of existing.filter(ours)) {
      await this.api.notify(
        accessToken,
        { action: 'revoke', callbackurl: profile.callbackurl, appli: String(profile.appli) },
        this.signal(),
      );
    }
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.config.linking.tokenCallTimeoutMs);
  }

  interpret(payload: NotificationPayload): NotificationIntent {
    return interpretWithings(payload, Date.now());
  }
}
