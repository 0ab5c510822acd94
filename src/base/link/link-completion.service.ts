import { Injectable } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import type { LinkGrant } from '../../ingestors/auth/provider-auth.js';
import { LinkJobs } from '../../ingestors/links/link-jobs.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import {
  AccountLinkedElsewhereError,
  LinkWriterRepository,
  type SavedLink,
} from './link-writer.repository.js';
import { ProviderRevocation, type Revocation } from './provider-revocation.service.js';

/** A grant and the patient it is to be linked to, as known when the link is completed. */
export interface Completion {
  readonly organizationId: string;
  readonly ehrUserId: string;
  readonly provider: string;
  readonly grant: LinkGrant;
  /** Subject of the principal that started (or confirmed) the link. */
  readonly actor: string;
  readonly requestId: string;
  readonly issuedAt?: Date;
}

/**
 * The last step of linking, shared by the callback (LINK_CONFIRMATION=off) and the confirmation route: refuse an
 * account another patient holds, give back the patient's previous account of this provider, save the grant and
 * queue the link's first jobs.
 */
@Injectable()
export class LinkCompletionService {
  constructor(
    private readonly links: ProviderLinkRepository,
    private readonly writer: LinkWriterRepository,
    private readonly revocation: ProviderRevocation,
    private readonly jobs: LinkJobs,
    private readonly audit: AuditService,
  ) {}

  /**
   * Refuses (and audits) a grant for an account another patient holds.
   * @throws AccountLinkedElsewhereError
   */
  async ensureNotHeldElsewhere(c: Completion): Promise<void> {
    if (
      await this.links.heldByAnother(c.provider, c.grant.identity.externalUserId, {
        organizationId: c.organizationId,
        ehrUserId: c.ehrUserId,
      })
    ) {
      await this.audit.record({
        actor: c.actor,
        action: 'link.refused_linked_elsewhere',
        ehrUserId: c.ehrUserId,
        provider: c.provider,
        requestId: c.requestId,
      });
      throw new AccountLinkedElsewhereError(`${c.provider} account is linked to another patient`);
    }
  }

  /** @throws AccountLinkedElsewhereError when another patient holds the account (also when that races in). */
  async complete(c: Completion): Promise<SavedLink> {
    // Checked before the patient's previous account is given back, not only inside the write: a refusal there
    // would come after that account's grant had been revoked for nothing.
    await this.ensureNotHeldElsewhere(c);
    const superseded = await this.revokeSupersededGrant(c);
    const saved = await this.writer.saveGrant({
      organizationId: c.organizationId,
      ehrUserId: c.ehrUserId,
      providerType: c.provider,
      grant: c.grant,
      actor: c.actor,
      requestId: c.requestId,
      ...(c.issuedAt === undefined ? {} : { issuedAt: c.issuedAt }),
      ...(superseded === undefined ? {} : { supersededRevocation: superseded }),
    });
    await this.jobs.afterLink(saved.linkId, c.requestId);
    return saved;
  }

  /**
   * The patient linked another account of this provider before: saving the new grant drops the old one's tokens,
   * so give that grant back to the provider first (its subscriptions would otherwise keep notifying us and its
   * refresh token stay valid at the provider with nobody holding it).
   */
  private async revokeSupersededGrant(c: Completion): Promise<Revocation | undefined> {
    const previous = await this.links.findCurrentFor(c.organizationId, c.ehrUserId, c.provider);
    if (previous === undefined || previous.externalUserId === c.grant.identity.externalUserId) {
      return undefined;
    }
    return this.revocation.revoke({ id: previous.id, providerType: c.provider, status: previous.status });
  }
}
