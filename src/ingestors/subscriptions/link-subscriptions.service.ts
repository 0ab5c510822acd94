import { Injectable } from '@nestjs/common';
import { ProviderAdapters } from '../auth/provider-adapters.js';
import { LinkNotUsableError, TokenService } from '../tokens/token.service.js';
import { LinkTokenRepository } from '../tokens/link-token.repository.js';

/**
 * Per-link subscription setup (the `ensure_subscriptions` job of the link-maintenance queue): lists what the
 * provider has, subscribes what is missing. Safe to run any number of times.
 */
@Injectable()
export class LinkSubscriptionsService {
  constructor(
    private readonly rows: LinkTokenRepository,
    private readonly tokens: TokenService,
    private readonly adapters: ProviderAdapters,
  ) {}

  async ensure(linkId: number): Promise<readonly string[]> {
    const row = await this.rows.find(linkId);
    if (row === undefined) {
      throw new LinkNotUsableError(linkId, 'missing');
    }
    const notifications = this.adapters.notificationsFor(row.providerType);
    return this.tokens.withAccessToken(linkId, (token) => notifications.ensureSubscriptions(token));
  }
}
