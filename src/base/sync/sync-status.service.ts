import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { ProviderRegistry } from '../../ingestors/registry/provider-registry.js';
import type { EhrUser } from '../entities/ehr-user.entity.js';
import type { ProviderLink } from '../entities/provider-link.entity.js';
import type { SyncState } from '../entities/sync-state.entity.js';
import { PatientAccessService } from '../patient-access.service.js';
import { toProviderDto } from '../providers/dto/provider.dto.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import { SyncStateRepository } from '../repositories/sync-state.repository.js';
import { syncErrorText } from '../../ingestors/sync/sync-errors.js';
import type {
  AllProvidersSyncStatusDto,
  BackfillProgressDto,
  ConnectedProvidersDto,
  ProviderSyncSummaryDto,
  SingleProviderSyncStatusDto,
  SyncPatientDto,
  SyncSummaryStatus,
} from './dto/sync.dto.js';

const NO_RECENT_SYNC: ProviderSyncSummaryDto = {
  status: 'no_recent_sync',
  last_sync: null,
  records_synced: null,
  errors: [],
};

/** Patient states outrank each other in this order: the first the link's types are in is the summary's. */
const PATIENT_STATES = ['patient_replaced', 'patient_unavailable', 'awaiting_patient'] as const;

/** The patient's mapping as sync status reports it: why syncs wait, and where a merged Patient went. */
export function patientOf(user: EhrUser): SyncPatientDto {
  return {
    status: user.patientStatus,
    fhir_patient_id: user.fhirPatientId,
    reason: user.patientStatusReason,
    replaced_by: user.patientReplacedBy,
  };
}

/**
 * Folds the per-data-type SyncState rows of one link into the spec's per-provider summary: the newest success,
 * the records the latest syncs delivered, the data types whose last attempt failed or left refused records, and
 * the records a JupyterHealth Exchange refused that wait for a re-sync (partially_rejected when nothing is worse).
 */
export function summarize(states: readonly SyncState[]): ProviderSyncSummaryDto {
  if (states.length === 0) {
    return NO_RECENT_SYNC;
  }
  const failed = states.filter((s) => s.status === 'failed');
  const lastSuccess = states.reduce<Date | null>(
    (latest, s) =>
      s.lastSuccessAt !== null && (latest === null || s.lastSuccessAt > latest) ? s.lastSuccessAt : latest,
    null,
  );
  const patient = PATIENT_STATES.find((p) => states.some((s) => s.status === p));
  let status: SyncSummaryStatus;
  if (states.some((s) => s.status === 'running' || s.status === 'pending')) {
    status = 'running';
  } else if (patient !== undefined) {
    status = patient;
  } else if (failed.length > 0) {
    status = 'failed';
  } else if (states.some((s) => s.status === 'partially_rejected')) {
    status = 'partially_rejected';
  } else {
    status = lastSuccess === null ? 'no_recent_sync' : 'completed';
  }
  const backfill = backfillProgress(states);
  return {
    status,
    last_sync: lastSuccess?.toISOString() ?? null,
    records_synced: lastSuccess === null ? null : states.reduce((sum, s) => sum + s.recordsSynced, 0),
    // Failed types, types held for a patient reason, and completed ones whose window had records the FHIR server
    // refused (set aside, not retried).
    errors: states
      .filter(
        (s) =>
          s.status === 'failed' || (s.status !== 'running' && s.status !== 'pending' && s.lastError !== null),
      )
      .map((s) => ({
        data_type: s.dataType,
        message: syncErrorText(s.lastError),
        occurred_at: s.lastAttemptAt?.toISOString() ?? null,
      })),
    ...(backfill === undefined ? {} : { backfill }),
    rejected: states.flatMap((s) =>
      (s.rejectedRecords ?? 0) > 0
        ? [
            {
              data_type: s.dataType,
              records: s.rejectedRecords ?? 0,
              reason: s.rejectedReason ?? 'jhe_rejected',
            },
          ]
        : [],
    ),
  };
}

/** The least advanced data type's saved backfill progress, if a sync is part-way through a long window. */
function backfillProgress(states: readonly SyncState[]): BackfillProgressDto | undefined {
  let least: BackfillProgressDto | undefined;
  for (const s of states) {
    if (typeof s.backfillChunksDone !== 'number' || typeof s.backfillChunksTotal !== 'number') {
      continue;
    }
    const p = { chunks_done: s.backfillChunksDone, chunks_total: Math.max(s.backfillChunksTotal, 1) };
    if (least === undefined || p.chunks_done / p.chunks_total < least.chunks_done / least.chunks_total) {
      least = p;
    }
  }
  return least;
}

@Injectable()
export class SyncStatusService {
  constructor(
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
    private readonly states: SyncStateRepository,
    private readonly registry: ProviderRegistry,
  ) {}

  async status(
    principal: Principal,
    ehrUserId: string,
    provider: string | undefined,
  ): Promise<SingleProviderSyncStatusDto | AllProvidersSyncStatusDto> {
    const user = await this.access.visibleUser(principal, ehrUserId);
    const links = await this.links.findCurrentByUser(user.id);
    const states = await this.states.findByLinks(links.map((l) => l.id));
    const summaryFor = (type: string): ProviderSyncSummaryDto => {
      const link = links.find((l) => l.provider.providerType === type);
      return link === undefined ? NO_RECENT_SYNC : summarize(states.filter((s) => s.linkId === link.id));
    };
    if (provider !== undefined) {
      return { ehr_user_id: ehrUserId, provider, ...summaryFor(provider), patient: patientOf(user) };
    }
    return {
      ehr_user_id: ehrUserId,
      patient: patientOf(user),
      providers: Object.fromEntries(this.registry.types.map((type) => [type, summaryFor(type)])),
    };
  }

  async connectedProviders(principal: Principal, ehrUserId: string): Promise<ConnectedProvidersDto> {
    const user = await this.access.visibleUser(principal, ehrUserId);
    const links = await this.links.findCurrentByUser(user.id);
    return {
      ehr_user_id: ehrUserId,
      connected_providers: links.map((l: ProviderLink) => ({
        id: l.id,
        provider: toProviderDto(l.provider),
        external_user_id: l.externalUserId,
        status: l.status,
        linked_at: l.linkedAt.toISOString(),
      })),
      total_providers: links.length,
    };
  }
}
