import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { NotFoundError } from '../../common/errors/api-error.js';
import { ProviderAdapters } from '../../ingestors/auth/provider-adapters.js';
import { TokenService } from '../../ingestors/tokens/token.service.js';
import type { ProviderLink } from '../entities/provider-link.entity.js';
import { PatientAccessService } from '../patient-access.service.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import { LinkEndingService } from '../../ingestors/links/link-ending.service.js';

export interface UnlinkResult {
  readonly message: string;
  readonly ehr_user_id: string;
  readonly provider: string;
  readonly status: 'unlinked';
}

type Revocation = 'revoked' | 'failed' | 'no_tokens';

/**
 * Ends a link: revokes at the provider (notify subscriptions, then the grant where the provider has a revoke
 * endpoint), then LinkEndingService crypto-shreds the tokens, marks the link revoked, audits, withdraws its
 * queued jobs and queues the DeviceAssociation hand-off. A provider that cannot be reached does not
 * keep the patient linked: the outcome is recorded in the audit event.
 */
@Injectable()
export class UnlinkService {
  private readonly logger = new Logger('Unlink');

  constructor(
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
    private readonly adapters: ProviderAdapters,
    private readonly tokens: TokenService,
    private readonly ending: LinkEndingService,
  ) {}

  async unlink(
    principal: Principal,
    provider: string,
    ehrUserId: string,
    requestId: string,
  ): Promise<UnlinkResult> {
    const user = await this.access.visibleUser(principal, ehrUserId);
    const link = (await this.links.findCurrentByUser(user.id)).find(
      (l) => l.provider.providerType === provider,
    );
    if (link === undefined) {
      throw new NotFoundError(`User ${ehrUserId} has no ${provider} link`);
    }
    const revocation = await this.revokeAtProvider(link);
    await this.ending.end(link.id, {
      actor: principal.subject,
      action: 'link.unlinked',
      requestId,
      details: { provider_revocation: revocation },
    });
    return { message: 'Provider unlinked', ehr_user_id: ehrUserId, provider, status: 'unlinked' };
  }

  private async revokeAtProvider(link: ProviderLink): Promise<Revocation> {
    const type = link.provider.providerType;
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
