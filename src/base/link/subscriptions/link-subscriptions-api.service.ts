import { HttpStatus, Injectable } from '@nestjs/common';
import type { Principal } from '../../../common/auth/principal.js';
import { AuditService } from '../../../common/audit/audit.service.js';
import { ApiError } from '../../../common/errors/api-error.js';
import { isLinkUnusable } from '../../../ingestors/processors/job-failure.js';
import { LinkSubscriptionsService } from '../../../ingestors/subscriptions/link-subscriptions.service.js';
import { syncErrorCode } from '../../../ingestors/sync/sync-errors.js';
import { PatientAccessService } from '../../patient-access.service.js';
import { ProviderLinkRepository } from '../../repositories/provider-link.repository.js';
import { activeLinkOf } from '../../sync/active-link.js';
import type { LinkSubscriptionsDto, SubscriptionRepairDto } from './dto/link-subscriptions.dto.js';

/**
 * GET/POST /api/base/links/{ehr_user_id}/{provider}/subscriptions/[repair/]: a link's provider subscriptions, shown
 * or repaired now with the check the nightly schedule and link time run (LinkSubscriptionsService). A repair is
 * audited with the request id. Provider trouble answers 502 with a sync error code; a link whose tokens no longer
 * work, 409.
 */
@Injectable()
export class LinkSubscriptionsApiService {
  constructor(
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
    private readonly subscriptions: LinkSubscriptionsService,
    private readonly audit: AuditService,
  ) {}

  async show(principal: Principal, ehrUserId: string, provider: string): Promise<LinkSubscriptionsDto> {
    const link = await this.linkOf(principal, ehrUserId, provider);
    const view = await providerCall(() => this.subscriptions.show(link.id));
    return {
      ehr_user_id: ehrUserId,
      provider,
      scope: view.scope,
      healthy: view.subscriptions.every((s) => s.status === 'current'),
      subscriptions: view.subscriptions.map((s) => ({ ...s })),
    };
  }

  async repair(
    principal: Principal,
    ehrUserId: string,
    provider: string,
    requestId: string,
  ): Promise<SubscriptionRepairDto> {
    const link = await this.linkOf(principal, ehrUserId, provider);
    const repair = await providerCall(() => this.subscriptions.ensure(link.id));
    const changes = {
      added: [...repair.added],
      replaced: [...repair.replaced],
      removed: [...repair.removed],
    };
    await this.audit.record({
      actor: principal.subject,
      action: 'subscriptions.repaired',
      ehrUserId,
      provider,
      linkId: link.id,
      requestId,
      details: changes,
    });
    return { ehr_user_id: ehrUserId, provider, ...changes };
  }

  private async linkOf(principal: Principal, ehrUserId: string, provider: string): Promise<{ id: number }> {
    const user = await this.access.visibleUser(principal, ehrUserId);
    return activeLinkOf(this.links, user, provider);
  }
}

async function providerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code = syncErrorCode(err);
    if (isLinkUnusable(err)) {
      throw new ApiError(HttpStatus.CONFLICT, 'link_not_usable', 'The link must be authorized again', {
        code: [code],
      });
    }
    throw new ApiError(HttpStatus.BAD_GATEWAY, 'provider_error', 'The provider could not be reached', {
      code: [code],
    });
  }
}
