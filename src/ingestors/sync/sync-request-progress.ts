import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { JobDataByQueue, QueueName } from '../../common/queue/queue-names.js';
import { isPermanent, waitBeforeRetry } from '../processors/job-failure.js';
import { syncErrorCode } from './sync-errors.js';
import { SyncRequestRepository } from './sync-request.repository.js';
import type { ChunkListener, SyncReport } from './sync.service.js';

type UserSyncJob = Job<JobDataByQueue[QueueName.UserSync]>;

/** A skip that leaves nothing to do (the window is not fetchable yet): the request is done, not failed. */
const DONE_SKIPS = new Set(['nothing to fetch yet']);

/**
 * Reports a user-sync job's progress to the on-demand sync request it belongs to (job data syncRequestId, carried
 * through continuations): records and chunks after each published chunk, then the job's outcome; the request ends
 * with the job that finishes the window, fails it for good, or finds the link unusable. Jobs of no request are left
 * alone.
 */
@Injectable()
export class SyncRequestProgress {
  constructor(private readonly requests: SyncRequestRepository) {}

  async started(job: UserSyncJob): Promise<void> {
    const id = job.data.syncRequestId;
    if (id !== undefined) {
      await this.requests.markRunning(id);
    }
  }

  /** The listener SyncService calls after each published chunk; none for a job of no request. */
  chunkListener(job: UserSyncJob): ChunkListener | undefined {
    const id = job.data.syncRequestId;
    return id === undefined ? undefined : (chunk) => this.requests.recordChunk(id, chunk);
  }

  async finished(job: UserSyncJob, report: SyncReport): Promise<void> {
    const id = job.data.syncRequestId;
    if (id === undefined) {
      return;
    }
    if (report.outcome === 'skipped') {
      const done = report.reason !== undefined && DONE_SKIPS.has(report.reason);
      await this.requests.record(id, {
        finished: done ? 'completed' : 'failed',
        ...(done ? {} : { error: skipCode(report.reason) }),
      });
      return;
    }
    const chunks = report.backfill ?? {
      chunksDone: report.fetches,
      chunksTotal: report.fetches,
      continues: false,
    };
    // The records were counted chunk by chunk.
    await this.requests.record(id, {
      chunksDone: chunks.chunksDone,
      chunksTotal: chunks.chunksTotal,
      ...(chunks.continues ? {} : { finished: 'completed' }),
    });
  }

  /**
   * A failed run: the request fails with it when no retry follows (a permanent error, the last attempt, a link
   * that cannot be used); otherwise the error code is noted and the retry goes on reporting. Waits for a quota or
   * an open breaker spend no attempt and note nothing.
   */
  async failed(job: UserSyncJob, err: unknown, linkUnusable: boolean): Promise<void> {
    const id = job.data.syncRequestId;
    if (id === undefined || (!linkUnusable && waitBeforeRetry(err) !== undefined)) {
      return;
    }
    const last = linkUnusable || isPermanent(err) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await this.requests.record(id, {
      error: syncErrorCode(err),
      ...(last ? { finished: 'failed' } : {}),
    });
  }
}

function skipCode(reason: string | undefined): string {
  return (reason ?? 'skipped').replace(/[^a-z0-9]+/gi, '_').toLowerCase();
}
