import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { LinkJobs } from '../../ingestors/links/link-jobs.js';
import { PatientAccessService } from '../patient-access.service.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import { SyncStateRepository } from '../repositories/sync-state.repository.js';
import { activeLinkOf } from './active-link.js';
import type { ResyncRejectedDto } from './dto/resync.dto.js';

/**
 * POST /api/base/sync/{ehr_user_id}/{provider}/resync-rejected/: after a patient consents at the JupyterHealth
 * Exchange (which tells us nothing), the EHR asks for the records JHE refused to be fetched and published again.
 * One sync job (strategy `resync`) covers the refused windows of every data type that has refused records; when
 * they publish, the states go back to completed and the counts clear. Records published before answer 409 at JHE
 * and are counted as unchanged, so the wider window costs provider calls, not duplicates.
 */
@Injectable()
export class ResyncRejectedService {
  constructor(
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
    private readonly states: SyncStateRepository,
    private readonly jobs: LinkJobs,
  ) {}

  async resync(
    principal: Principal,
    ehrUserId: string,
    provider: string,
    requestId: string,
  ): Promise<ResyncRejectedDto> {
    const user = await this.access.visibleUser(principal, ehrUserId);
    const link = await activeLinkOf(this.links, user, provider);
    const refused = (await this.states.findByLinks([link.id])).filter(
      (s) => (s.rejectedRecords ?? 0) > 0 && s.rejectedWindowStart !== null && s.rejectedWindowEnd !== null,
    );
    const starts = refused.map((s) => s.rejectedWindowStart?.getTime() ?? Infinity);
    const ends = refused.map((s) => s.rejectedWindowEnd?.getTime() ?? -Infinity);
    const base = { ehr_user_id: ehrUserId, provider, data_types: refused.map((s) => s.dataType) };
    const records = refused.reduce((sum, s) => sum + (s.rejectedRecords ?? 0), 0);
    if (refused.length === 0) {
      return { ...base, queued: false, rejected_records: 0, window_start: null, window_end: null };
    }
    const windowStart = new Date(Math.min(...starts)).toISOString();
    const windowEnd = new Date(Math.max(...ends)).toISOString();
    await this.jobs.requestSync(link.id, 'resync', {
      dataTypes: base.data_types,
      windowStart,
      windowEnd,
      requestId,
    });
    return {
      ...base,
      queued: true,
      rejected_records: records,
      window_start: windowStart,
      window_end: windowEnd,
    };
  }
}
