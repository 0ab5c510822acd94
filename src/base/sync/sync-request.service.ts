import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { NotFoundError, ValidationError } from '../../common/errors/api-error.js';
import { AppConfig } from '../../config/app-config.js';
import { ProviderAdapters } from '../../ingestors/auth/provider-adapters.js';
import { LinkJobs } from '../../ingestors/links/link-jobs.js';
import { SyncRequestRepository, type SyncRequest } from '../../ingestors/sync/sync-request.repository.js';
import { PatientAccessService } from '../patient-access.service.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import { activeLinkOf } from './active-link.js';
import type { SyncRequestDto, SyncTriggerResultDto, TriggerSyncDto } from './dto/sync-request.dto.js';
import { syncWindowOf } from './sync-window.js';

/**
 * Syncs on demand: POST /api/base/sync/trigger/ stores a sync request and queues its first job; the job and its
 * continuations report chunks, records and errors to the request, which GET /api/base/sync/requests/{id}/ shows.
 * An identical request (link, window, data types) still queued or running is returned instead of a second one.
 */
@Injectable()
export class SyncRequestService {
  constructor(
    private readonly config: AppConfig,
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
    private readonly adapters: ProviderAdapters,
    private readonly requests: SyncRequestRepository,
    private readonly jobs: LinkJobs,
    private readonly audit: AuditService,
  ) {}

  async trigger(
    principal: Principal,
    body: TriggerSyncDto,
    provider: string,
    requestId: string,
  ): Promise<SyncTriggerResultDto> {
    const user = await this.access.visibleUser(principal, body.ehr_user_id);
    const offered = this.adapters.data(provider).dataTypes as readonly string[];
    const unknown = (body.data_types ?? []).filter((t) => !offered.includes(t));
    if (unknown.length > 0) {
      throw new ValidationError(
        {
          data_types: [`${provider} does not offer: ${unknown.join(', ')}.`],
          supported_data_types: [...offered],
        },
        'Unsupported data type',
      );
    }
    const { window, clamped } = syncWindowOf(body, this.config.sync.initialLookbackDays, new Date());
    const link = await activeLinkOf(this.links, user, provider);
    const dataTypes = body.data_types === undefined ? [...offered] : [...new Set(body.data_types)];
    const { request, created } = await this.requests.createOrFindActive({
      linkId: link.id,
      ehrUserId: user.ehrUserId,
      provider,
      dataTypes,
      window,
      requestId,
    });
    if (created) {
      await this.jobs.requestOnDemand(link.id, request.id, {
        dataTypes,
        windowStart: window.start.toISOString(),
        windowEnd: window.end.toISOString(),
        requestId,
      });
    }
    await this.audit.record({
      actor: principal.subject,
      action: 'sync.triggered',
      ehrUserId: user.ehrUserId,
      provider,
      linkId: link.id,
      requestId,
      details: { sync_request_id: request.id, deduplicated: !created, data_types: dataTypes },
    });
    return { ...toDto(request), deduplicated: !created, clamped };
  }

  async find(principal: Principal, id: string): Promise<SyncRequestDto> {
    const request = await this.requests.find(id, principal.organizationId);
    if (request === undefined) {
      throw new NotFoundError(`Sync request ${id} not found`);
    }
    return toDto(request);
  }
}

function toDto(r: SyncRequest): SyncRequestDto {
  return {
    sync_request_id: r.id,
    status: r.status,
    ehr_user_id: r.ehrUserId,
    provider: r.provider,
    data_types: [...r.dataTypes],
    window_start: r.window.start.toISOString(),
    window_end: r.window.end.toISOString(),
    chunks_done: r.chunksDone,
    chunks_total: r.chunksTotal,
    records_published: r.recordsPublished,
    errors: [...r.errors],
    created_at: r.createdAt.toISOString(),
    started_at: r.startedAt?.toISOString() ?? null,
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}
