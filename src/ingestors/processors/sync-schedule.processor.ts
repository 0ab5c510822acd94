import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import {
  registerJobSchedulers,
  registerJobSchedulersAtStart,
  type JobSchedule,
} from '../../common/queue/job-schedulers.js';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { AppConfig } from '../../config/app-config.js';
import { LinkJobs } from '../links/link-jobs.js';
import { SYNC_SCHEDULES } from '../schedules.js';
import { SyncLinkRepository } from '../sync/sync-link.repository.js';
import { throttledWorkerErrorLog } from './worker-errors.js';

type ScheduleJob = Job<JobDataByQueue[QueueName.SyncSchedules]>;

const PAGE = 500;
const WEEK_MS = 7 * 86_400_000;

/**
 * The repeatable schedule (src/ingestors/schedules.ts, which the capabilities endpoint advertises). Job schedulers
 * are upserted at worker start, so any number of workers registering them leaves exactly one of each; each tick
 * fans out into per-link jobs, deduplicated per link and strategy (one strategy per schedule):
 * - nightly (03:00 UTC): reconciliation of the last 48 h (and since the last covered instant) plus a device sync;
 * - daily (06:00 UTC): incremental sync from the last covered instant (minus the overlap);
 * - weekly (Sunday 06:00 UTC): reconciliation of the last 7 days.
 */
@Processor(QueueName.SyncSchedules)
export class SyncScheduleProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(SyncScheduleProcessor.name);
  private readonly logWorkerError = throttledWorkerErrorLog(this.logger);

  constructor(
    private readonly config: AppConfig,
    private readonly links: SyncLinkRepository,
    private readonly jobs: LinkJobs,
    @InjectQueue(QueueName.SyncSchedules)
    private readonly queue: Queue<JobDataByQueue[QueueName.SyncSchedules]>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.sync.schedulesEnabled) {
      await registerJobSchedulersAtStart(this.queue, this.schedules(), this.logger);
    }
  }

  /** Upserts one job scheduler per schedule and removes schedulers no longer in the list. */
  async registerSchedules(): Promise<void> {
    await registerJobSchedulers(this.queue, this.schedules());
  }

  private schedules(): JobSchedule<JobDataByQueue[QueueName.SyncSchedules]>[] {
    return SYNC_SCHEDULES.map((s) => ({ key: s.key, cron: s.cron, data: { schedule: s.key } }));
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logWorkerError(err);
  }

  async process(job: ScheduleJob): Promise<string> {
    const now = new Date(job.timestamp);
    let links = 0;
    for (let after = 0; ; ) {
      const ids = await this.links.activeLinkIds(after, PAGE);
      await Promise.all(ids.map((id) => this.fanOut(job.data.schedule, id, now)));
      links += ids.length;
      after = ids.at(-1) ?? after;
      if (ids.length < PAGE) {
        break;
      }
    }
    this.logger.log({ schedule: job.data.schedule, links }, 'schedule fanned out');
    return `${job.data.schedule}: ${links} link(s)`;
  }

  private async fanOut(schedule: string, linkId: number, now: Date): Promise<void> {
    const requestId = `schedule-${schedule}-${now.toISOString()}`;
    switch (schedule) {
      case 'nightly':
        await this.jobs.requestSync(linkId, 'nightly', { requestId });
        await this.jobs.requestDeviceSync(linkId, requestId);
        return;
      case 'daily':
        await this.jobs.requestSync(linkId, 'incremental', { requestId });
        return;
      case 'weekly':
        // Its own strategy, so a nightly job still waiting for the link does not swallow it (deduplication).
        await this.jobs.requestSync(linkId, 'weekly', {
          requestId,
          windowStart: new Date(now.getTime() - WEEK_MS).toISOString(),
          windowEnd: now.toISOString(),
        });
        return;
      default:
        this.logger.warn({ schedule }, 'unknown schedule ignored');
    }
  }
}
