import { Injectable, Logger } from '@nestjs/common';
import { ProviderAdapters } from '../../ingestors/auth/provider-adapters.js';
import { TokenService } from '../../ingestors/tokens/token.service.js';

export type Revocation = 'revoked' | 'failed' | 'no_tokens';

/** What revocation needs to know of a link. */
export interface RevocableLink {
  readonly id: number;
  readonly providerType: string;
  readonly status: string;
}

/**
 * Gives a grant back to its provider: the notify subscriptions first (they need a live access token), then the
 * grant itself where the provider has a revoke endpoint. Best effort: an unreachable provider must not keep a
 * patient linked, so the outcome is returned for the audit trail instead of thrown.
 */
@Injectable()
export class ProviderRevocation {
  private readonly logger = new Logger('ProviderRevocation');

  constructor(
    private readonly adapters: ProviderAdapters,
    private readonly tokens: TokenService,
  ) {}

  async revoke(link: RevocableLink): Promise<Revocation> {
    const type = link.providerType;
    try {
      if (link.status === 'active') {
        await this.tokens.withAccessToken(link.id, (token) =>
          this.adapters.notificationsFor(type).unsubscribeAll(token),
        );
      }
      const stored = await this.tokens.storedTokens(link.id);
      if (stored === undefined) {
        return 'no_tokens';
      }
      await this.adapters.auth(type).revoke(stored);
      return 'revoked';
    } catch (err) {
      this.logger.warn(`revocation of link ${link.id} at ${type} failed: ${(err as Error).message}`);
      return 'failed';
    }
  }
}
