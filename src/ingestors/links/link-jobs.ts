import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import {
  PRIORITY,
  QueueName,
  type JobDataByQueue,
  type SyncStrategy,
} from '../../common/queue/queue-names.js';
import { AppConfig } from '../../config/app-config.js';

/** States from which a job can still be removed; active jobs finish, and processors re-check the link status. */
const PENDING_STATES = ['wait', 'delayed', 'prioritized', 'waiting-children'] as const;
const PAGE = 500;
const DAY_MS = 86_400_000;

type UserSyncData = JobDataByQueue[QueueName.UserSync];

/**
 * Every job a link's life queues or withdraws. Jobs carry ids (and at most a window); health data is fetched by
 * the worker. User syncs are deduplicated per link and strategy with keepLastIfActive: at most one running and
 * one waiting per (link, strategy), so a burst of notifications or schedules never piles up syncs of one link.
 */
@Injectable()
export class LinkJobs {
  constructor(
    private readonly config: AppConfig,
    @InjectQueue(QueueName.DeviceSync) private readonly devices: Queue<JobDataByQueue[QueueName.DeviceSync]>,
    @InjectQueue(QueueName.UserSync) private readonly syncs: Queue<UserSyncData>,
    @InjectQueue(QueueName.LinkMaintenance)
    private readonly maintenance: Queue<JobDataByQueue[QueueName.LinkMaintenance]>,
  ) {}

  /** Device sync, initial backfill (SYNC_INITIAL_LOOKBACK_DAYS) and subscription setup for a new link. */
  async afterLink(linkId: number, requestId: string, now = new Date()): Promise<string[]> {
    const stamp = now.getTime();
    const start = new Date(stamp - this.config.sync.initialLookbackDays * DAY_MS).toISOString();
    const jobs = await Promise.all([
      this.requestDeviceSync(linkId, requestId, `link-${linkId}.devices.${stamp}`),
      this.requestSync(linkId, 'initial', { requestId, windowStart: start, windowEnd: now.toISOString() }),
      this.maintenance.add(
        'ensure_subscriptions',
        { linkId, task: 'ensure_subscriptions', requestId },
        { jobId: `link-${linkId}.subscriptions.${stamp}` },
      ),
    ]);
    return jobs.map((j) => j.id ?? '');
  }

  /**
   * A user sync of the link. Realtime syncs drain the link's routed inbox rows, the others derive their windows
   * from SyncState (or from the window given here), so dropping a duplicate request loses nothing.
   */
  requestSync(
    linkId: number,
    strategy: SyncStrategy,
    extra: Omit<UserSyncData, 'linkId' | 'strategy'> = {},
    delayMs = 0,
  ): Promise<{ id?: string | undefined }> {
    const options: JobsOptions = {
      priority: PRIORITY[strategy],
      deduplication: { id: `link-${linkId}.${strategy}`, keepLastIfActive: true },
      ...(delayMs > 0 ? { delay: delayMs } : {}),
    };
    return this.syncs.add(strategy, { linkId, strategy, ...extra }, options);
  }

  /**
   * The first job of an on-demand sync request. Not deduplicated per strategy like requestSync: each request has
   * its own window and progress, and the request table already folds identical running requests into one.
   */
  requestOnDemand(
    linkId: number,
    syncRequestId: string,
    extra: Omit<UserSyncData, 'linkId' | 'strategy' | 'syncRequestId'>,
  ): Promise<{ id?: string | undefined }> {
    return this.syncs.add(
      'on_demand',
      { linkId, strategy: 'on_demand', syncRequestId, ...extra },
      { priority: PRIORITY.on_demand, jobId: `link-${linkId}.on_demand.${syncRequestId}` },
    );
  }

  /**
   * The next part of a sync whose window was longer than one job's chunk budget: the same job data (the window is
   * re-planned and resumes from the progress in sync_states), queued behind the work already waiting, so other
   * links' syncs interleave. Not deduplicated with the strategy's requests: a newer request must not replace it.
   * The id is fixed per job and resume point, so a job that re-runs after queueing it does not queue it twice.
   */
  continueSync(
    data: UserSyncData,
    doneThrough: string,
    jobStamp: number,
  ): Promise<{ id?: string | undefined }> {
    return this.syncs.add(data.strategy, data, {
      priority: PRIORITY[data.strategy],
      jobId: `link-${data.linkId}.${data.strategy}.${jobStamp}.after-${Date.parse(doneThrough)}`,
    });
  }

  requestDeviceSync(
    linkId: number,
    requestId?: string,
    jobId?: string,
  ): Promise<{ id?: string | undefined }> {
    return this.devices.add('device-sync', requestId === undefined ? { linkId } : { linkId, requestId }, {
      priority: PRIORITY.initial,
      deduplication: { id: `link-${linkId}.devices`, keepLastIfActive: true },
      ...(jobId === undefined ? {} : { jobId }),
    });
  }

  /**
   * Ends the link's FHIR DeviceAssociations (period.end) of Patient `fhirPatientId`. Queued after removeQueued so it
   * survives the clean-up.
   */
  async afterUnlink(
    linkId: number,
    requestId: string,
    fhirPatientId?: string,
    now = new Date(),
  ): Promise<void> {
    await this.maintenance.add(
      'end_device_associations',
      {
        linkId,
        task: 'end_device_associations',
        requestId,
        ...(fhirPatientId === undefined ? {} : { fhirPatientId }),
      },
      { jobId: `link-${linkId}.unlinked.${now.getTime()}` },
    );
  }

  /** Removes every not-yet-started job of this link from every queue; returns how many went. */
  async removeQueued(linkId: number): Promise<number> {
    let removed = 0;
    for (const queue of [this.devices, this.syncs, this.maintenance] as Queue[]) {
      const mine = [];
      for (let offset = 0; ; offset += PAGE) {
        const jobs = await queue.getJobs([...PENDING_STATES], offset, offset + PAGE - 1, true);
        mine.push(...jobs.filter((job) => (job.data as { linkId?: number }).linkId === linkId));
        if (jobs.length < PAGE) {
          break;
        }
      }
      for (const job of mine) {
        // A job that started meanwhile cannot be removed; its processor sees the revoked link and stops.
        removed += await job.remove().then(
          () => 1,
          () => 0,
        );
      }
    }
    return removed;
  }
}
