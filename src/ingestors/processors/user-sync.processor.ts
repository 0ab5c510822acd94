import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { AppConfig } from '../../config/app-config.js';
import { LinkJobs } from '../links/link-jobs.js';
import { LinkLock } from '../sync/link-lock.js';
import { SyncLinkRepository } from '../sync/sync-link.repository.js';
import { describe, SyncService, type SyncReport } from '../sync/sync.service.js';
import { delayJob, isLinkUnusable, settleFailure } from './job-failure.js';
import { STALLED_JOBS, throttledWorkerErrorLog } from './worker-errors.js';
import { syncErrorCode } from '../sync/sync-errors.js';
import { SyncRequestProgress } from '../sync/sync-request-progress.js';

type UserSyncJob = Job<JobDataByQueue[QueueName.UserSync]>;

/** Another job holds the link: come back after about this long. */
const LINK_BUSY_WAIT_MS = 2_000;

/**
 * Health-data syncs (queue user-sync): one link and strategy per job, ids and a window only. One sync per link
 * at a time across all workers (LinkLock; a job finding its link busy is delayed, not failed; a job that lost its
 * lease mid-run stops before its next publish and is retried like any transient failure). A window longer than
 * one job's chunk budget is continued by a new job queued behind other links' work; retries and continuations
 * resume after the last chunk published (progress saved in sync_states). Quota and open
 * breakers delay the job without spending an attempt; permanent errors fail it for good; anything else is
 * retried with exponential backoff and jitter, then kept 30 days in the failed set.
 */
@Processor(QueueName.UserSync, STALLED_JOBS)
export class UserSyncProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(UserSyncProcessor.name);
  private readonly logWorkerError = throttledWorkerErrorLog(this.logger);

  constructor(
    private readonly config: AppConfig,
    private readonly sync: SyncService,
    private readonly lock: LinkLock,
    private readonly links: SyncLinkRepository,
    private readonly jobs: LinkJobs,
    private readonly progress: SyncRequestProgress,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.sync.workerConcurrency;
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logWorkerError(err);
  }

  @OnWorkerEvent('stalled')
  onStalled(jobId: string): void {
    this.logger.warn({ jobId }, 'sync job stalled (its worker died or blocked); BullMQ runs it again');
  }

  async process(job: UserSyncJob, token?: string): Promise<SyncReport> {
    const lease = await this.lock.acquire(job.data.linkId);
    if (lease === undefined) {
      return delayJob(job, token, LINK_BUSY_WAIT_MS);
    }
    try {
      await this.progress.started(job);
      const report = await this.sync.run(job.data, lease, this.progress.chunkListener(job));
      if (report.backfill?.continues === true) {
        await this.jobs.continueSync(job.data, report.backfill.doneThrough, job.timestamp);
      }
      if (report.resyncAt !== undefined) {
        await this.jobs.requestSync(job.data.linkId, 'realtime', {}, report.resyncAt.getTime() - Date.now());
      }
      await this.progress.finished(job, report);
      return report;
    } catch (err) {
      await this.progress.failed(job, err, isLinkUnusable(err));
      if (isLinkUnusable(err)) {
        const code = syncErrorCode(err);
        await this.links.markFailed(job.data.linkId, job.data.dataTypes ?? [], code);
        this.logger.log({ linkId: job.data.linkId, error: describe(err) }, 'link not usable: sync skipped');
        return { ...emptyReport(job.data.linkId), reason: code };
      }
      return await settleFailure(job, token, err);
    } finally {
      await lease.release();
    }
  }
}

function emptyReport(linkId: number): SyncReport {
  return { linkId, outcome: 'skipped', records: {}, fetches: 0, created: 0, updated: 0, unchanged: 0 };
}
