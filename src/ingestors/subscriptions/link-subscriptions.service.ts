import { Injectable } from '@nestjs/common';
import { ProviderAdapters } from '../auth/provider-adapters.js';
import type { ProviderNotifications, SubscriptionRepair, SubscriptionView } from '../auth/provider-auth.js';
import { LinkNotUsableError, TokenService } from '../tokens/token.service.js';
import { LinkTokenRepository } from '../tokens/link-token.repository.js';

/**
 * Per-link subscription setup and repair (the `ensure_subscriptions` job of the link-maintenance queue, at link
 * time and from the nightly check): lists what the provider has, subscribes what is missing, moves what points at
 * an old callback URL. Safe to run any number of times.
 */
@Injectable()
export class LinkSubscriptionsService {
  constructor(
    private readonly rows: LinkTokenRepository,
    private readonly tokens: TokenService,
    private readonly adapters: ProviderAdapters,
  ) {}

  ensure(linkId: number): Promise<SubscriptionRepair & { readonly provider: string }> {
    return this.withProvider(linkId, (n, token) => n.ensureSubscriptions(token));
  }

  /** What the provider has for the link, changing nothing (GET …/subscriptions/). */
  show(linkId: number): Promise<SubscriptionView & { readonly provider: string }> {
    return this.withProvider(linkId, (n, token) => n.listSubscriptions(token));
  }

  private async withProvider<T>(
    linkId: number,
    call: (notifications: ProviderNotifications, token: string) => Promise<T>,
  ): Promise<T & { readonly provider: string }> {
    const row = await this.rows.find(linkId);
    if (row === undefined) {
      throw new LinkNotUsableError(linkId, 'missing');
    }
    const notifications = this.adapters.notificationsFor(row.providerType);
    const result = await this.tokens.withAccessToken(linkId, (token) => call(notifications, token));
    return { ...result, provider: row.providerType };
  }
}
