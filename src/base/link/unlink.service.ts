import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { NotFoundError } from '../../common/errors/api-error.js';
import { PatientAccessService } from '../patient-access.service.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import { LinkEndingService } from '../../ingestors/links/link-ending.service.js';
import { ProviderRevocation } from './provider-revocation.service.js';

export interface UnlinkResult {
  readonly message: string;
  readonly ehr_user_id: string;
  readonly provider: string;
  readonly status: 'unlinked';
}

/**
 * Ends a link: revokes at the provider (notify subscriptions, then the grant where the provider has a revoke
 * endpoint), then LinkEndingService crypto-shreds the tokens, marks the link revoked, audits, withdraws its
 * queued jobs and queues the DeviceAssociation hand-off. A provider that cannot be reached does not
 * keep the patient linked: the outcome is recorded in the audit event.
 */
@Injectable()
export class UnlinkService {
  constructor(
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
    private readonly revocation: ProviderRevocation,
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
    const revocation = await this.revocation.revoke({
      id: link.id,
      providerType: link.provider.providerType,
      status: link.status,
    });
    await this.ending.end(link.id, {
      actor: principal.subject,
      action: 'link.unlinked',
      requestId,
      details: { provider_revocation: revocation },
    });
    return { message: 'Provider unlinked', ehr_user_id: ehrUserId, provider, status: 'unlinked' };
  }
}
