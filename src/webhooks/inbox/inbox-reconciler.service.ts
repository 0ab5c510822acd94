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
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { LinkJobs } from '../../ingestors/links/link-jobs.js';

export interface InboxReconcilerOptions {
  /** Time between two passes (INBOX_RECONCILE_INTERVAL_MS); 0 disables the timer (reconcileOnce still works). */
  readonly intervalMs: number;
  /** A received|queued row whose last queue time (queued_at, else received_at) is older than this is checked. */
  readonly staleAfterMs: number;
  /** Rows locked and checked per transaction. */
  readonly batchSize: number;
  /** Upper bound on batches per pass, so one pass always ends. */
  readonly maxBatches: number;
}

/**
 * Defaults, deliberately not environment settings yet (the shared config files are owned elsewhere): one pass a
 * minute, rows older than five minutes, 100 rows a batch, at most 50 batches (5,000 rows) a pass. Override by
 * providing INBOX_RECONCILER_OPTIONS (partial) in a module, or by passing options when constructing directly.
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
  /** Rows whose job still exists (waiting, active, delayed, failed…): left alone. */
  readonly alive: number;
  /** Links with routed rows older than the staleness limit whose realtime sync was requested again. */
  readonly resynced: number;
}

interface StaleRow {
  id: string;
  provider: string;
}

/**
 * Re-queues inbox rows that are not finished after a few minutes and whose BullMQ job no longer exists (Redis
 * lost it, or the webhook's add never happened), so a Redis loss loses no notification.
 *
 * Each batch is one Postgres transaction: the stale rows are selected in id order (keyset pagination, so rows
 * whose job is alive never block later ones) and locked FOR UPDATE SKIP LOCKED, so reconcilers in several
 * worker processes split the rows instead of fighting over them. For each row the job (id = inbox id) is looked
 * up; a missing one is added again with the same name (provider), jobId and data {inboxId} (ids only), and the row gets
 * status queued, queued_at = now and attempts + 1 in the same transaction. A row re-queued by one pass has a
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

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.Notifications)
    private readonly queue: Queue<JobDataByQueue[QueueName.Notifications]>,
    private readonly linkJobs: LinkJobs,
    @Optional() @Inject(INBOX_RECONCILER_OPTIONS) options?: Partial<InboxReconcilerOptions>,
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

  /** One pass over every stale row (bounded by maxBatches); `now` is the clock used for staleness and queued_at. */
  async reconcileOnce(now: Date = new Date()): Promise<ReconcileCounts> {
    const cutoff = new Date(now.getTime() - this.options.staleAfterMs);
    let checked = 0;
    let requeued = 0;
    let afterId: string | null = null;
    for (let batch = 0; batch < this.options.maxBatches; batch++) {
      const result: { rows: number; requeued: number; lastId: string | null } = await this.reconcileBatch(
        cutoff,
        now,
        afterId,
      );
      checked += result.rows;
      requeued += result.requeued;
      afterId = result.lastId;
      if (result.rows < this.options.batchSize) {
        break;
      }
    }
    const resynced = await this.resyncStaleRouted(cutoff);
    return { checked, requeued, alive: checked - requeued, resynced };
  }

  /**
   * Routed rows wait for their link's realtime sync. If that job was lost with Redis, the rows would wait
   * forever: request the sync again (deduplicated per link, so a live job makes this a no-op).
   */
  private async resyncStaleRouted(cutoff: Date): Promise<number> {
    const links = await this.ds.query<{ link_id: number }[]>(
      `SELECT DISTINCT link_id FROM notification_inbox
        WHERE status = 'routed' AND routed_at < $1 AND link_id IS NOT NULL
        LIMIT $2`,
      [cutoff, this.options.batchSize * this.options.maxBatches],
    );
    for (const { link_id } of links) {
      await this.linkJobs.requestSync(link_id, 'realtime', { requestId: 'inbox-reconciler' });
    }
    return links.length;
  }

  private async reconcileBatch(
    cutoff: Date,
    now: Date,
    afterId: string | null,
  ): Promise<{ rows: number; requeued: number; lastId: string | null }> {
    return this.ds.transaction(async (em) => {
      const rows = await em.query<StaleRow[]>(
        `SELECT id, provider FROM notification_inbox
          WHERE status IN ('received', 'queued')
            AND COALESCE(queued_at, received_at) < $1
            AND ($2::uuid IS NULL OR id > $2::uuid)
          ORDER BY id
          LIMIT $3
          FOR UPDATE SKIP LOCKED`,
        [cutoff, afterId, this.options.batchSize],
      );
      const missing: string[] = [];
      for (const { id, provider } of rows) {
        const job = await this.queue.getJob(id);
        if (job === undefined) {
          // Same name, id and data as the receiver's add (job name = provider).
          await this.queue.add(provider, { inboxId: id }, { jobId: id });
          missing.push(id);
        }
      }
      if (missing.length > 0) {
        await em.query(
          `UPDATE notification_inbox SET status = 'queued', queued_at = $2, attempts = attempts + 1
            WHERE id = ANY($1::uuid[])`,
          [missing, now],
        );
      }
      return { rows: rows.length, requeued: missing.length, lastId: rows.at(-1)?.id ?? afterId };
    });
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
