import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { AuditService } from '../../common/audit/audit.service.js';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';

export interface FailedFilter {
  readonly provider?: string | undefined;
  readonly reason?: string | undefined;
  /** failed_at bounds: since inclusive, until exclusive. */
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
}

/** A dead-lettered row as operators see it: ids, reason and times, never the payload. */
export interface FailedRow {
  readonly id: string;
  readonly provider: string;
  readonly linkId: number | null;
  readonly failureReason: string | null;
  readonly failedAt: Date;
  readonly receivedAt: Date;
  readonly attempts: number;
}

export type ReplaySelection =
  | { readonly ids: readonly string[] }
  | { readonly all: true; readonly provider?: string | undefined };

export interface ReplayBy {
  /** Principal subject, or `cli:<user>`. */
  readonly actor: string;
  readonly requestId?: string | undefined;
}

interface FailedRecord {
  id: string;
  provider: string;
  link_id: number | null;
  failure_reason: string | null;
  failed_at: Date;
  received_at: Date;
  attempts: number;
}

/** Rows a replay transaction takes at most, so `all` over a large backlog commits as it goes. */
const REPLAY_CHUNK = 500;

const FILTER = `status = 'failed'
   AND ($1::varchar IS NULL OR provider = $1)
   AND ($2::varchar IS NULL OR failure_reason = $2)
   AND ($3::timestamptz IS NULL OR failed_at >= $3)
   AND ($4::timestamptz IS NULL OR failed_at < $4)`;

/**
 * The inbox's dead letters: rows whose notification job failed for good. Listing reads Postgres only. A replay
 * first commits the rows back to `queued` (with one audit event each, in the same transaction), then removes each
 * failed job and adds it again under the same id. Jobs are added after the commit so a worker never meets a row
 * still marked failed; if Redis fails in between, the reconciler finishes the work: it re-adds a missing job, or
 * fails the row again when its old job is still in the failed set (to be replayed once Redis is back).
 */
@Injectable()
export class InboxDeadLetters {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @InjectQueue(QueueName.Notifications)
    private readonly queue: Queue<JobDataByQueue[QueueName.Notifications]>,
    private readonly audit: AuditService,
  ) {}

  /** Newest failures first. */
  async list(
    filter: FailedFilter,
    limit: number,
    offset: number,
  ): Promise<{ rows: FailedRow[]; count: number }> {
    const params = [
      filter.provider ?? null,
      filter.reason ?? null,
      filter.since ?? null,
      filter.until ?? null,
    ];
    const [rows, counted] = await Promise.all([
      this.ds.query<FailedRecord[]>(
        `SELECT id, provider, link_id, failure_reason, failed_at, received_at, attempts FROM notification_inbox
          WHERE ${FILTER} ORDER BY failed_at DESC, id LIMIT $5 OFFSET $6`,
        [...params, limit, offset],
      ),
      this.ds.query<{ count: string }[]>(
        `SELECT count(*) AS count FROM notification_inbox WHERE ${FILTER}`,
        params,
      ),
    ]);
    return {
      count: Number(counted[0]?.count ?? 0),
      rows: rows.map((r) => ({
        id: r.id,
        provider: r.provider,
        linkId: r.link_id,
        failureReason: r.failure_reason,
        failedAt: r.failed_at,
        receivedAt: r.received_at,
        attempts: r.attempts,
      })),
    };
  }

  /** Puts the selected failed rows back in the queue; answers the ids replayed (rows not failed are skipped). */
  async replay(selection: ReplaySelection, by: ReplayBy): Promise<string[]> {
    const ids = 'ids' in selection ? [...selection.ids] : null;
    const provider = 'ids' in selection ? null : (selection.provider ?? null);
    // Rows failing again while the replay runs are left for the next replay, so `all` always ends.
    const startedAt = new Date();
    const replayed: string[] = [];
    for (;;) {
      const rows = await this.requeue(ids, provider, startedAt, by);
      for (const { id, provider: name } of rows) {
        await this.queue.remove(id);
        await this.queue.add(name, { inboxId: id }, { jobId: id });
        replayed.push(id);
      }
      if (ids !== null || rows.length < REPLAY_CHUNK) {
        return replayed;
      }
    }
  }

  private requeue(
    ids: string[] | null,
    provider: string | null,
    startedAt: Date,
    by: ReplayBy,
  ): Promise<{ id: string; provider: string }[]> {
    return this.ds.transaction(async (em) => {
      const [rows] = await em.query<
        [{ id: string; provider: string; link_id: number | null; reason: string }[]]
      >(
        `WITH picked AS (
           SELECT id, failure_reason FROM notification_inbox
            WHERE status = 'failed' AND failed_at <= $4
              AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[])) AND ($2::varchar IS NULL OR provider = $2)
            ORDER BY failed_at, id LIMIT $3
            FOR UPDATE SKIP LOCKED)
         UPDATE notification_inbox n
            SET status = 'queued', queued_at = now(), attempts = n.attempts + 1, failure_reason = NULL,
                failed_at = NULL
           FROM picked WHERE n.id = picked.id
         RETURNING n.id, n.provider, n.link_id, picked.failure_reason AS reason`,
        [ids, provider, REPLAY_CHUNK, startedAt],
      );
      for (const row of rows) {
        await this.audit.record(
          {
            actor: by.actor,
            action: 'inbox.replayed',
            provider: row.provider,
            linkId: row.link_id,
            requestId: by.requestId ?? null,
            details: { inbox_id: row.id, failure_reason: row.reason },
          },
          em,
        );
      }
      return rows;
    });
  }
}
