import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import { AppConfig } from '../../config/app-config.js';
import { LinkTokenRepository } from '../tokens/link-token.repository.js';
import { LinkJobs } from './link-jobs.js';
import { SyncLinkRepository } from '../sync/sync-link.repository.js';

export interface LinkEnding {
  /** Who ended it: a principal's subject, or `provider:<type>` when the provider told us. */
  readonly actor: string;
  readonly action: 'link.unlinked' | 'link.revoked_by_provider';
  readonly requestId?: string | undefined;
  readonly details?: Record<string, unknown>;
}

/**
 * The part of ending a link that is the same whoever ends it (the patient through the API, or the provider by a
 * revocation notice): crypto-shred the tokens and mark the link revoked under the row lock, with the audit event
 * in the same transaction; then withdraw its queued jobs and queue the ending of its DeviceAssociations.
 */
@Injectable()
export class LinkEndingService {
  private readonly logger = new Logger('LinkEnding');

  constructor(
    private readonly config: AppConfig,
    private readonly tokenRows: LinkTokenRepository,
    private readonly jobs: LinkJobs,
    private readonly audit: AuditService,
    private readonly links: SyncLinkRepository,
  ) {}

  /** Ends the link; false when it was already revoked (a repeated notice), in which case nothing happens. */
  async end(linkId: number, ending: LinkEnding): Promise<boolean> {
    const ended = await this.tokenRows.withLockedRow(
      linkId,
      this.config.linking.tokenLockTimeoutMs,
      async (m, row) => {
        if (row === undefined || row.status === 'revoked') {
          return false;
        }
        await this.tokenRows.revoke(m, linkId);
        await this.audit.record(
          {
            actor: ending.actor,
            action: ending.action,
            ehrUserId: row.ehrUserId,
            provider: row.providerType,
            linkId,
            requestId: ending.requestId ?? null,
            details: ending.details ?? {},
          },
          m,
        );
        return true;
      },
    );
    if (!ended) {
      return false;
    }
    const withdrawn = await this.jobs.removeQueued(linkId);
    // Named now: a patient whose providers are all unlinked may have its mapping forgotten before the job runs.
    const patient = (await this.links.find(linkId))?.patient.fhirPatientId;
    await this.jobs.afterUnlink(linkId, ending.requestId ?? `link-${linkId}`, patient);
    this.logger.log({ linkId, action: ending.action, withdrawn }, 'link ended');
    return true;
  }
}
