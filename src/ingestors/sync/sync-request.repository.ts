import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TimeWindow } from '../../common/domain/notification.js';

export type SyncRequestStatus = 'queued' | 'running' | 'completed' | 'failed';

/** One on-demand sync as stored: bookkeeping only (ids, window, counts, status, error codes). */
export interface SyncRequest {
  readonly id: string;
  readonly linkId: number;
  readonly ehrUserId: string;
  readonly provider: string;
  readonly dataTypes: readonly string[];
  readonly window: TimeWindow;
  readonly status: SyncRequestStatus;
  readonly chunksDone: number;
  readonly chunksTotal: number | null;
  readonly recordsPublished: number;
  readonly jobsRun: number;
  readonly errors: readonly string[];
  readonly requestId: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface NewSyncRequest {
  readonly linkId: number;
  readonly ehrUserId: string;
  readonly provider: string;
  readonly dataTypes: readonly string[];
  readonly window: TimeWindow;
  readonly requestId: string;
}

/** What one job of the request (the first, a retry or a continuation) reports at its end. */
export interface SyncRequestStep {
  readonly chunksDone?: number;
  readonly chunksTotal?: number;
  /** Set when the request is over with this job. */
  readonly finished?: 'completed' | 'failed';
  readonly error?: string;
}

interface Row {
  id: string;
  link_id: number;
  ehr_user_id: string;
  provider: string;
  data_types: string;
  window_start: Date;
  window_end: Date;
  status: SyncRequestStatus;
  chunks_done: number;
  chunks_total: number | null;
  records_published: number;
  jobs_run: number;
  errors: string[];
  request_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Error codes kept per request: enough to see what went wrong, bounded however often a job is retried. */
const MAX_ERRORS = 20;

/** sync_requests: on-demand syncs and the progress their jobs report. */
@Injectable()
export class SyncRequestRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Stores a new queued request, or finds the queued or running one for the same link, window and data types
   * (the partial unique index decides, so two identical requests arriving at once still make one).
   */
  async createOrFindActive(input: NewSyncRequest): Promise<{ request: SyncRequest; created: boolean }> {
    const types = [...input.dataTypes].sort().join(',');
    const inserted = await this.ds.query<Row[]>(
      `INSERT INTO sync_requests (link_id, ehr_user_id, provider, data_types, window_start, window_end, request_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (link_id, window_start, window_end, data_types) WHERE status IN ('queued', 'running')
       DO NOTHING RETURNING *`,
      [
        input.linkId,
        input.ehrUserId,
        input.provider,
        types,
        input.window.start,
        input.window.end,
        input.requestId,
      ],
    );
    const row = inserted[0];
    if (row !== undefined) {
      return { request: toRequest(row), created: true };
    }
    const existing = await this.ds.query<Row[]>(
      `SELECT * FROM sync_requests WHERE link_id = $1 AND window_start = $2 AND window_end = $3
          AND data_types = $4 AND status IN ('queued', 'running')`,
      [input.linkId, input.window.start, input.window.end, types],
    );
    const found = existing[0];
    if (found === undefined) {
      // It finished between the insert and the read: a new request is what the caller wants then.
      return this.createOrFindActive(input);
    }
    return { request: toRequest(found), created: false };
  }

  /** The request, when its patient belongs to the organization: another organization's is as unknown. */
  async find(id: string, organizationId: string): Promise<SyncRequest | undefined> {
    if (!UUID.test(id)) {
      return undefined;
    }
    const rows = await this.ds.query<Row[]>(
      `SELECT r.* FROM sync_requests r
         JOIN provider_links l ON l.id = r.link_id
         JOIN ehr_users u ON u.id = l.user_id
        WHERE r.id = $1 AND u.organization_id = $2`,
      [id, organizationId],
    );
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  }

  /** A job of the request started (first run, retry or continuation). Finished requests stay as they are. */
  async markRunning(id: string): Promise<void> {
    await this.ds.query(
      `UPDATE sync_requests SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id],
    );
  }

  /** One chunk published: its records, and how far the window got. */
  async recordChunk(id: string, chunk: { records: number; done: number; total: number }): Promise<void> {
    await this.ds.query(
      `UPDATE sync_requests SET records_published = records_published + $2, chunks_done = $3, chunks_total = $4,
                                updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, chunk.records, chunk.done, chunk.total],
    );
  }

  /** One job's end: the window's chunk progress, an error code, and the request's end when it is over. */
  async record(id: string, step: SyncRequestStep): Promise<void> {
    await this.ds.query(
      `UPDATE sync_requests
          SET chunks_done = COALESCE($2, chunks_done),
              chunks_total = COALESCE($3, chunks_total),
              jobs_run = jobs_run + 1,
              errors = CASE WHEN $5::text IS NULL OR cardinality(errors) >= ${MAX_ERRORS} THEN errors
                            ELSE array_append(errors, $5::text) END,
              status = COALESCE($4, status),
              finished_at = CASE WHEN $4::text IS NULL THEN finished_at ELSE now() END,
              updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, step.chunksDone ?? null, step.chunksTotal ?? null, step.finished ?? null, step.error ?? null],
    );
  }
}

function toRequest(row: Row): SyncRequest {
  return {
    id: row.id,
    linkId: row.link_id,
    ehrUserId: row.ehr_user_id,
    provider: row.provider,
    dataTypes: row.data_types === '' ? [] : row.data_types.split(','),
    window: { start: row.window_start, end: row.window_end },
    status: row.status,
    chunksDone: row.chunks_done,
    chunksTotal: row.chunks_total,
    recordsPublished: row.records_published,
    jobsRun: row.jobs_run,
    errors: row.errors,
    requestId: row.request_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
