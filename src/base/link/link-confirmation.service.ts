import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import { canActFor, type Principal } from '../../common/auth/principal.js';
import { ApiError, NotFoundError, ValidationError } from '../../common/errors/api-error.js';
import { ProviderAdapters } from '../../ingestors/auth/provider-adapters.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import { LinkCompletionService } from './link-completion.service.js';
import { AccountLinkedElsewhereError } from './link-writer.repository.js';
import { PendingLinkRepository, type PendingGrant } from './pending/pending-link.repository.js';

export interface ConfirmInput {
  readonly code: string;
  /** Required with a service credential; a patient credential may leave it out. */
  readonly ehrUserId: string | undefined;
}

export interface LinkConfirmed {
  readonly message: string;
  readonly ehr_user_id: string;
  readonly provider: string;
  readonly status: 'linked';
  readonly external_user_id: string;
}

/** Same answer for an unknown, expired, used or someone else's code: the route must not tell them apart. */
const unknownCode = (): NotFoundError =>
  new NotFoundError('Unknown, expired or already used confirmation code');

/**
 * POST /api/base/link/{provider}/confirm/: turns a pending link into a link, only for a credential of the patient
 * the flow was started for. A code presented for anyone else discards the pending grant (given back to the
 * provider) and is audited, so a consent completed in the wrong browser can never attach to the patient.
 */
@Injectable()
export class LinkConfirmationService {
  private readonly logger = new Logger('LinkConfirmation');

  constructor(
    private readonly pending: PendingLinkRepository,
    private readonly completion: LinkCompletionService,
    private readonly links: ProviderLinkRepository,
    private readonly adapters: ProviderAdapters,
    private readonly audit: AuditService,
  ) {}

  async confirm(
    principal: Principal,
    provider: string,
    input: ConfirmInput,
    requestId: string,
  ): Promise<LinkConfirmed> {
    const claimed = input.ehrUserId ?? principal.ehrUserId;
    if (claimed === undefined) {
      throw new ValidationError({ ehr_user_id: ['Required when confirming with a service credential.'] });
    }
    if (!canActFor(principal, claimed)) {
      throw new NotFoundError(`User ${claimed} not found`);
    }
    const found = await this.pending.take(provider, input.code);
    if (found === undefined) {
      throw unknownCode();
    }
    // A code started for another organization's patient is as unknown as a wrong patient's.
    if (found.ehrUserId !== claimed || found.organizationId !== principal.organizationId) {
      await this.discard(found, principal, claimed, requestId);
      throw unknownCode();
    }
    const completion = { ...found, provider, actor: principal.subject, requestId };
    try {
      await this.completion.complete(completion);
    } catch (err) {
      if (err instanceof AccountLinkedElsewhereError) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          'account_linked_elsewhere',
          `This ${provider} account is linked to another patient; it must be unlinked there first`,
        );
      }
      throw err;
    }
    return {
      message: 'Provider linked',
      ehr_user_id: claimed,
      provider,
      status: 'linked',
      external_user_id: found.grant.identity.externalUserId,
    };
  }

  /**
   * Drops a grant confirmed for the wrong patient. Nobody holds it, so it goes back to the provider, unless the
   * account is linked already (revoking then could end the holder's grant too, as Google revokes per grant).
   */
  private async discard(
    found: PendingGrant,
    principal: Principal,
    presentedFor: string,
    requestId: string,
  ): Promise<void> {
    let revocation = 'kept_account_linked';
    if (!(await this.links.isHeld(found.providerType, found.grant.identity.externalUserId))) {
      try {
        await this.adapters.auth(found.providerType).revoke(found.grant.tokens);
        revocation = 'revoked';
      } catch (err) {
        this.logger.warn({ provider: found.providerType, err: (err as Error).name }, 'revoking failed');
        revocation = 'failed';
      }
    }
    await this.audit.record({
      actor: principal.subject,
      action: 'link.confirmation_refused',
      ehrUserId: found.ehrUserId,
      provider: found.providerType,
      requestId,
      details: { presented_for: presentedFor, started_by: found.actor, provider_revocation: revocation },
    });
  }
}
