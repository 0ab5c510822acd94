import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Queue } from 'bullmq';
import type { Counter } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { LinkJobs } from '../../ingestors/links/link-jobs.js';
import { METRIC } from '../../metrics/metric-names.js';

export interface InboxReconcilerOptions {
  /** Time between two passes; 0 disables the timer (reconcileOnce still works). */
  readonly intervalMs: number;
  /** A received|queued row whose last queue time (queued_at, else received_at) is older than this is checked. */
  readonly staleAfterMs: number;
  /** Rows locked and checked per transaction. */
  readonly batchSize: number;
  /** Upper bound on batches per pass, so one pass always ends. */
  readonly maxBatches: number;
}

/**
 * Defaults: one pass a minute, rows older than five minutes, 100 rows a batch, at most 50 batches (5,000 rows) a
 * pass. The worker module overrides the timings from INBOX_RECONCILE_INTERVAL_MS and
 * INBOX_RECONCILE_STALE_AFTER_MS through INBOX_RECONCILER_OPTIONS (partial).
 */
export const INBOX_RECONCILER_DEFAULTS: InboxReconcilerOptions = {
  intervalMs: 60_000,
  staleAfterMs: 5 * 60_000,
  batchSize: 100,
  maxBatches: 50,
};

export const INBOX_RECONCILER_OPTIONS = Symbol('INBOX_RECONCILER_OPTIONS');

export interface ReconcileCounts {
  /** Stale rows this pass locked and looked at. */
  readonly checked: number;
  /** Rows whose job was missing from Redis and was added again. */
  readonly requeued: number;
  /** Rows whose job still exists (waiting, active, delayed, completed…): left alone. */
  readonly alive: number;
  /** Rows whose job sits in BullMQ's failed set (its worker died before recording it): marked failed. */
  readonly failed: number;
  /** Links with routed rows older than the staleness limit whose realtime sync was requested again. */
  readonly resynced: number;
}

interface StaleRow {
  id: string;
  provider: string;
  /** As text, so the cursor keeps Postgres' microseconds (a Date would round them away and revisit rows). */
  received_at: string;
}

/** A position in the (received_at, id) order of the unfinished rows. */
interface Cursor {
  readonly receivedAt: string;
  readonly id: string;
}

interface BatchResult {
  readonly rows: number;
  readonly requeued: number;
  readonly failed: number;
  readonly last: Cursor | undefined;
}

/**
 * Re-queues inbox rows that are not finished after a few minutes and whose BullMQ job no longer exists (Redis
 * lost it, or the webhook's add never happened), so a Redis loss loses no notification.
 *
 * Each batch is one Postgres transaction: the stale rows are selected oldest first, in (received_at, id) order
 * after a cursor (keyset pagination, so rows whose job is alive never block later ones), and locked FOR UPDATE
 * SKIP LOCKED, so reconcilers in several worker processes split the rows instead of fighting over them. The
 * cursor outlives the pass: a pass that spends maxBatches stops, and the next one resumes after its last row and
 * wraps round to the oldest rows once it reaches the end, so thousands of rows with live jobs cannot starve the
 * rows behind them. For each row the job (id = inbox id) is looked up; a missing one is added again with the same
 * name (provider), jobId and data {inboxId} (ids only), and the row gets status queued, queued_at = now and
 * attempts + 1 in the same transaction; a job in the failed set makes the row `failed` (reason job_failed). A row re-queued by one pass has a
 * fresh queued_at, so a concurrent pass that reads it after the commit no longer finds it stale. If Redis fails
 * mid-batch the transaction rolls back; jobs already re-added keep their id, so the next pass is a no-op for them.
 *
 * Runs on a plain timer (unref'd, one pass at a time per process) started at bootstrap and cleared at shutdown,
 * in every process that runs workers; SKIP LOCKED makes running it in many processes safe, so no BullMQ
 * repeatable job is needed, and the reconciler keeps working while Redis is empty or was just flushed (a
 * repeatable job would itself be lost with Redis).
 */
@Injectable()
export class InboxReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboxReconciler.name);
  private readonly options: InboxReconcilerOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Where the next pass starts; undefined: at the oldest row. */
  private cursor: Cursor | undefined;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.Notifications)
    private readonly queue: Queue<JobDataByQueue[QueueName.Notifications]>,
    private readonly linkJobs: LinkJobs,
    @Optional() @Inject(INBOX_RECONCILER_OPTIONS) options?: Partial<InboxReconcilerOptions>,
    @Optional() @InjectMetric(METRIC.inboxFailed) private readonly failedRows?: Counter<'provider'>,
  ) {
    this.options = { ...INBOX_RECONCILER_DEFAULTS, ...options };
  }

  onApplicationBootstrap(): void {
    if (this.options.intervalMs <= 0) {
      return;
    }
    this.timer = setInterval(() => {
      this.tick();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One pass over at most maxBatches batches of stale rows, from the cursor to the end and then, if budget is left,
   * from the oldest row up to where it started; `now` is the clock used for staleness and queued_at.
   */
  async reconcileOnce(now: Date = new Date()): Promise<ReconcileCounts> {
    const cutoff = new Date(now.getTime() - this.options.staleAfterMs);
    const start = this.cursor;
    let after = start;
    let until: Cursor | undefined;
    const totals = { checked: 0, requeued: 0, failed: 0 };
    for (let batch = 0; batch < this.options.maxBatches; batch++) {
      const result = await this.reconcileBatch(cutoff, now, after, until);
      totals.checked += result.rows;
      totals.requeued += result.requeued;
      totals.failed += result.failed;
      after = result.last ?? after;
      if (result.rows < this.options.batchSize) {
        const wrap = start !== undefined && until === undefined;
        after = undefined;
        if (!wrap) {
          break;
        }
        until = start;
      }
    }
    this.cursor = after;
    const resynced = await this.resyncStaleRouted(cutoff);
    return { ...totals, alive: totals.checked - totals.requeued - totals.failed, resynced };
  }

  /**
   * Routed rows wait for their link's realtime sync. If that job was lost with Redis, the rows would wait
   * forever: request the sync again (deduplicated per link, so a live job makes this a no-op). Only for active
   * links: a sync of any other link is skipped and leaves its rows routed, so they are dropped here instead
   * (reason link_inactive) rather than re-synced every pass. Nor for links waiting for their patient
   * (awaiting_patient and the like): their rows wait for the mapping, whose arrival requests the sync itself.
   */
  private async resyncStaleRouted(cutoff: Date): Promise<number> {
    const limit = this.options.batchSize * this.options.maxBatches;
    await this.ds.query(
      `UPDATE notification_inbox SET status = 'dropped', failure_reason = 'link_inactive', finished_at = now()
        WHERE id IN (SELECT n.id FROM notification_inbox n LEFT JOIN provider_links l ON l.id = n.link_id
                      WHERE n.status = 'routed' AND n.routed_at < $1 AND l.status IS DISTINCT FROM 'active'
                      LIMIT $2)
          AND status = 'routed'`,
      [cutoff, limit],
    );
    const links = await this.ds.query<{ link_id: number }[]>(
      `SELECT DISTINCT n.link_id FROM notification_inbox n JOIN provider_links l ON l.id = n.link_id
        WHERE n.status = 'routed' AND n.routed_at < $1 AND l.status = 'active'
          AND NOT EXISTS (SELECT 1 FROM sync_states s WHERE s.link_id = n.link_id
                           AND s.status IN ('awaiting_patient', 'patient_unavailable', 'patient_replaced'))
        LIMIT $2`,
      [cutoff, limit],
    );
    for (const { link_id } of links) {
      await this.linkJobs.requestSync(link_id, 'realtime', { requestId: 'inbox-reconciler' });
    }
    return links.length;
  }

  private async reconcileBatch(
    cutoff: Date,
    now: Date,
    after: Cursor | undefined,
    until: Cursor | undefined,
  ): Promise<BatchResult> {
    return this.ds.transaction(async (em) => {
      const rows = await em.query<StaleRow[]>(
        `SELECT id, provider, received_at::text AS received_at FROM notification_inbox
          WHERE status IN ('received', 'queued')
            AND COALESCE(queued_at, received_at) < $1
            AND ($2::timestamptz IS NULL OR (received_at, id) > ($2::timestamptz, $3::uuid))
            AND ($4::timestamptz IS NULL OR (received_at, id) <= ($4::timestamptz, $5::uuid))
          ORDER BY received_at, id
          LIMIT $6
          FOR UPDATE SKIP LOCKED`,
        [
          cutoff,
          after?.receivedAt ?? null,
          after?.id ?? null,
          until?.receivedAt ?? null,
          until?.id ?? null,
          this.options.batchSize,
        ],
      );
      const missing: string[] = [];
      const dead: string[] = [];
      for (const { id, provider } of rows) {
        const state = await this.queue.getJobState(id);
        if (state === 'unknown') {
          // Same name, id and data as the receiver's add (job name = provider).
          await this.queue.add(provider, { inboxId: id }, { jobId: id });
          missing.push(id);
        } else if (state === 'failed') {
          dead.push(id);
        }
      }
      if (missing.length > 0) {
        await em.query(
          `UPDATE notification_inbox SET status = 'queued', queued_at = $2, attempts = attempts + 1
            WHERE id = ANY($1::uuid[])`,
          [missing, now],
        );
      }
      await this.markFailed(em, dead, now);
      const last = rows.at(-1);
      return {
        rows: rows.length,
        requeued: missing.length,
        failed: dead.length,
        last: last === undefined ? undefined : { receivedAt: last.received_at, id: last.id },
      };
    });
  }

  /** The job's own failure was never recorded (its worker died first); its reason text may name hosts, so not kept. */
  private async markFailed(em: EntityManager, ids: string[], now: Date): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    const [rows] = await em.query<[{ provider: string }[], number]>(
      `UPDATE notification_inbox SET status = 'failed', failure_reason = 'job_failed', failed_at = $2
        WHERE id = ANY($1::uuid[]) RETURNING provider`,
      [ids, now],
    );
    for (const { provider } of rows) {
      this.failedRows?.inc({ provider });
    }
  }

  private tick(): void {
    if (this.running !== undefined) {
      return;
    }
    this.running = this.reconcileOnce()
      .then((counts) => {
        if (counts.requeued > 0 || counts.resynced > 0) {
          this.logger.warn(counts, 'inbox rows re-queued after their job was lost');
        }
      })
      .catch((err: unknown) => {
        this.logger.warn(`inbox reconcile pass failed: ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        this.running = undefined;
      });
  }
}
