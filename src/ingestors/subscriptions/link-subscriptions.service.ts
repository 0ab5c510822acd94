import { Injectable } from '@nestjs/common';
import { ProviderAdapters } from '../auth/provider-adapters.js';
import type { SubscriptionRepair } from '../auth/provider-auth.js';
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

  async ensure(linkId: number): Promise<SubscriptionRepair & { readonly provider: string }> {
    const row = await this.rows.find(linkId);
    if (row === undefined) {
      throw new LinkNotUsableError(linkId, 'missing');
    }
    const notifications = this.adapters.notificationsFor(row.providerType);
    const repair = await this.tokens.withAccessToken(linkId, (token) =>
      notifications.ensureSubscriptions(token),
    );
    return { ...repair, provider: row.providerType };
  }
}
