import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { isDataType, type DataType } from '../../common/domain/data-type.js';
import type { TimeWindow } from '../../common/domain/notification.js';
import type { NormalizedRecord } from '../../common/domain/records.js';
import type { JobDataByQueue, QueueName } from '../../common/queue/queue-names.js';
import { AppConfig } from '../../config/app-config.js';
import type { PublishResult } from '../../publishers/fhir-publisher.service.js';
import { OrganizationPublisherRegistry } from '../../publishers/organizations/organization-publishers.js';
import { ProviderAdapters } from '../auth/provider-adapters.js';
import type { ProviderData, ProviderDataContext } from '../data/provider-data.js';
import { TokenService } from '../tokens/token.service.js';
import { LeaseLostError, type LeaseFence } from './link-lock.js';
import { SyncLinkRepository, type SyncLink } from './sync-link.repository.js';
import { SYNC_METRIC } from './sync-metrics.js';
import { publishSlices, sliceBackfill, type ChunkStep } from './backfill-plan.js';
import { latestEnd, planSync, spanOf, splitDeferred } from './sync-plan.js';
import { syncErrorCode } from './sync-errors.js';
import { countRefused, FHIR_REJECTED, refusalsOf, type RefusalTally } from './refused-records.js';
import { RejectedRecordsRepository } from './rejected-records.repository.js';
import { PatientGate } from './patient-gate.js';

export type UserSyncJob = JobDataByQueue[QueueName.UserSync];

/** Told after each chunk is published for good: its place in its window and the records it held. */
export type ChunkListener = (chunk: { done: number; total: number; records: number }) => Promise<void>;

export interface SyncReport {
  readonly linkId: number;
  readonly outcome: 'synced' | 'skipped';
  readonly reason?: string;
  /** Records fetched and published, per data type. */
  readonly records: Readonly<Record<string, number>>;
  readonly fetches: number;
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  /**
   * Records the target refused, per data type and reason: fhir_rejected (a FHIR server's 422, kept as the state's
   * error) or a JupyterHealth Exchange's consent_missing / jhe_rejected (the state becomes partially_rejected).
   */
  readonly refused?: Readonly<RefusalTally>;
  /** Hourly links: routed notifications reaching into the running hour wait for it; sync again at this time. */
  readonly resyncAt?: Date;
  /**
   * A window longer than one job's chunk budget, or resumed: its chunks published so far and in all. With
   * `continues`, the rest is a continuation job's, which resumes after `doneThrough`.
   */
  readonly backfill?: {
    readonly chunksDone: number;
    readonly chunksTotal: number;
    readonly continues: boolean;
    readonly doneThrough: string;
  };
}

/**
 * One user sync: plan the windows for the job's strategy, fetch each chunk from the provider, transform and
 * publish it, then update SyncState and close the routed notifications it covered. Records live in memory for
 * one chunk at a time, and one job at most SYNC_BACKFILL_CHUNKS_PER_JOB chunks: the progress of each window is
 * saved per chunk, so a retried or continued job resumes after the last published chunk. Every publish is
 * conditional on deterministic identifiers, so a retried or repeated sync rewrites nothing it already wrote. The
 * link's lease is confirmed before each publish and before the state writes that follow them: a sync that lost it
 * stops there (LeaseLostError) and leaves the link to its new holder.
 */
@Injectable()
export class SyncService {
  private readonly logger = new Logger('Sync');

  constructor(
    private readonly config: AppConfig,
    private readonly links: SyncLinkRepository,
    private readonly adapters: ProviderAdapters,
    private readonly tokens: TokenService,
    private readonly publishers: OrganizationPublisherRegistry,
    private readonly patients: PatientGate,
    private readonly rejections: RejectedRecordsRepository,
    @InjectMetric(SYNC_METRIC.operations) private readonly operations: Counter,
    @InjectMetric(SYNC_METRIC.duration) private readonly duration: Histogram,
    @InjectMetric(SYNC_METRIC.dataPoints) private readonly dataPoints: Counter,
    @InjectMetric(SYNC_METRIC.fhirRejected) private readonly fhirRejected: Counter,
    @InjectMetric(SYNC_METRIC.jheRejected) private readonly jheRejected: Counter,
  ) {}

  async run(
    job: UserSyncJob,
    lease: LeaseFence,
    onChunk?: ChunkListener,
    now = new Date(),
  ): Promise<SyncReport> {
    const found = await this.links.find(job.linkId);
    if (found?.status !== 'active') {
      return skipped(job.linkId, `link ${found === undefined ? 'gone' : found.status}`);
    }
    const adapter = this.adapters.data(found.provider);
    const types = wantedTypes(adapter, job.dataTypes);
    const admission = await this.patients.admit(found);
    if (!admission.ready) {
      // Nothing fetched, no error counted, no retry: the mapping's arrival (PUT /api/base/patients/…) queues the
      // sync again, and realtime notifications stay routed for it.
      await this.links.markPatientState(found.id, types, admission.state);
      return skipped(found.id, admission.state);
    }
    const link = admission.link;
    const routed = job.strategy === 'realtime' ? await this.links.routedRows(link.id) : [];
    const plan = planSync({
      strategy: job.strategy,
      now,
      dataTypes: types,
      lookbackDays: this.config.sync.initialLookbackDays,
      syncedThrough: await this.links.syncedThrough(link.id),
      explicit: explicitWindow(job),
      routed,
      aggregation: link.aggregation,
    });
    const { finished, resyncAt } = splitDeferred(routed, link.aggregation, now);
    if (plan.length === 0) {
      await lease.assertHeld();
      await this.links.finishRouted(finished);
      return { ...skipped(link.id, 'nothing to fetch yet'), ...(resyncAt ? { resyncAt } : {}) };
    }
    const planned = [...new Set(plan.flatMap((p) => p.dataTypes))];
    const cursors = await this.links.backfillCursors(link.id);
    const slice = sliceBackfill(
      plan,
      adapter.maxWindowMs,
      cursors,
      this.config.sync.backfillChunksPerJob,
      now,
    );
    const stopTimer = this.duration.startTimer({
      provider: link.provider,
      operation_type: `${job.strategy}_sync`,
    });
    await this.links.markRunning(link.id, planned, now);
    try {
      const published = await this.fetchAndPublish(link, adapter, slice.steps, lease, onChunk);
      const last = slice.steps.at(-1);
      const report: SyncReport =
        slice.chunksTotal > slice.steps.length && last !== undefined
          ? {
              ...published,
              backfill: {
                chunksDone: slice.chunksDone,
                chunksTotal: slice.chunksTotal,
                continues: slice.remaining > 0,
                doneThrough: last.chunk.end.toISOString(),
              },
            }
          : published;
      if (slice.remaining > 0) {
        // The rest of the window is a continuation job's: the states stay running, the routed rows unfinished.
        return report;
      }
      await lease.assertHeld();
      const coveredThrough = job.strategy === 'realtime' ? null : latestEnd(plan);
      for (const type of planned) {
        const { fhirRejected, jhe, jheByReason } = refusalsOf(report.refused?.[type]);
        const window = spanOf(plan, type);
        // The window is done even so: a FHIR refusal would only be refused again, every time, and a JHE one waits
        // for a re-sync on request (after the patient consents) of the window recorded here.
        await this.links.markSucceeded(link.id, type, {
          at: new Date(),
          records: report.records[type] ?? 0,
          coveredThrough,
          error: fhirRejected > 0 ? FHIR_REJECTED : null,
          window,
        });
        await this.rejections.record(link.id, type, { ...jhe, window });
        if (fhirRejected > 0) {
          this.fhirRejected.inc({ provider: link.provider, data_type: type }, fhirRejected);
        }
        jheByReason.forEach(([reason, n]) => {
          this.jheRejected.inc({ data_type: type, reason }, n);
        });
        this.operations.inc({ provider: link.provider, operation_type: `${type}_fetch`, status: 'success' });
      }
      await this.links.finishRouted(finished);
      return resyncAt === undefined ? report : { ...report, resyncAt };
    } catch (err) {
      if (err instanceof LeaseLostError) {
        // The link's state is the new holder's to write now.
        throw err;
      }
      // The client-facing status gets a code; the detail (hosts, URLs) goes to the log with the job's failure.
      await this.links.markFailed(link.id, planned, syncErrorCode(err));
      for (const type of planned) {
        this.operations.inc({ provider: link.provider, operation_type: `${type}_fetch`, status: 'error' });
      }
      throw err;
    } finally {
      stopTimer();
    }
  }

  private async fetchAndPublish(
    link: SyncLink,
    adapter: ProviderData,
    steps: readonly ChunkStep[],
    lease: LeaseFence,
    onChunk: ChunkListener | undefined,
  ): Promise<SyncReport> {
    const ctx = dataContext(link, this.tokens);
    const records: Record<string, number> = {};
    const refused: RefusalTally = {};
    const totals = { fetches: 0, created: 0, updated: 0, unchanged: 0 };
    for (const { fetch, chunk, done, total } of steps) {
      const fetched = await adapter.fetch(ctx, fetch.dataTypes, chunk);
      totals.fetches += 1;
      for (const slice of publishSlices(fetched, link.aggregation)) {
        const result = await this.publish(link, slice, lease);
        totals.created += result.created;
        totals.updated += result.updated;
        totals.unchanged += result.unchanged;
        countRefused(result.refused, refused);
      }
      const inChunk = new Map<string, number>();
      for (const record of fetched) {
        inChunk.set(record.type, (inChunk.get(record.type) ?? 0) + 1);
        records[record.type] = (records[record.type] ?? 0) + 1;
        this.dataPoints.inc({ provider: link.provider, data_type: record.type });
      }
      if (total > 1) {
        // Published for good: a retry, a worker that takes over a stalled job or a continuation starts after it.
        await this.links.saveBackfill(link.id, fetch.dataTypes, {
          records: fetch.dataTypes.map((t) => inChunk.get(t) ?? 0),
          windowStart: fetch.window.start,
          doneThrough: chunk.end,
          chunksDone: done,
          chunksTotal: total,
        });
      }
      await onChunk?.({ done, total, records: fetched.length });
    }
    this.logger.log(
      {
        linkId: link.id,
        fetches: totals.fetches,
        records: Object.values(records).reduce((a, b) => a + b, 0),
      },
      'sync published',
    );
    const anyRefused = Object.keys(refused).length > 0;
    return { linkId: link.id, outcome: 'synced', records, ...totals, ...(anyRefused ? { refused } : {}) };
  }

  private async publish(
    link: SyncLink,
    records: readonly NormalizedRecord[],
    lease: LeaseFence,
  ): Promise<Pick<PublishResult, 'created' | 'updated' | 'unchanged' | 'refused'>> {
    if (records.length === 0) {
      return { created: 0, updated: 0, unchanged: 0 };
    }
    const { records: publisher } = await this.publishers.for(link.organizationId);
    return publisher.publish({
      records,
      aggregation: link.aggregation,
      jhePatientId: link.jhePatientId,
      issued: new Date(),
      beforeWrite: () => lease.assertHeld(),
    });
  }
}

/** What a data adapter gets to fetch for one link: its ids and token access with refresh-and-retry. */
export function dataContext(link: SyncLink, tokens: TokenService): ProviderDataContext {
  return {
    linkId: link.id,
    externalUserId: link.externalUserId,
    patient: link.patient,
    withToken: (call) => tokens.withAccessToken(link.id, call),
  };
}

function wantedTypes(adapter: ProviderData, requested: readonly string[] | undefined): DataType[] {
  const asked = requested?.filter(isDataType);
  return adapter.dataTypes.filter((t) => asked === undefined || asked.includes(t));
}

function explicitWindow(job: UserSyncJob): Partial<TimeWindow> {
  return {
    ...(job.windowStart === undefined ? {} : { start: new Date(job.windowStart) }),
    ...(job.windowEnd === undefined ? {} : { end: new Date(job.windowEnd) }),
  };
}

function skipped(linkId: number, reason: string): SyncReport {
  return {
    linkId,
    outcome: 'skipped',
    reason,
    records: {},
    fetches: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
  };
}

/** Error class and message only: provider messages carry statuses, never bodies or values. */
export function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error';
}
