import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { PRIORITY, QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';

const INITIAL_BACKFILL_DAYS = 30;
/** States from which a job can still be removed; active jobs finish, and processors re-check the link status. */
const PENDING_STATES = ['wait', 'delayed', 'prioritized', 'waiting-children'] as const;
const PAGE = 500;

/** The jobs a link lifecycle event queues or withdraws. Jobs carry ids only. */
@Injectable()
export class LinkJobs {
  constructor(
    @InjectQueue(QueueName.DeviceSync) private readonly devices: Queue<JobDataByQueue[QueueName.DeviceSync]>,
    @InjectQueue(QueueName.UserSync) private readonly syncs: Queue<JobDataByQueue[QueueName.UserSync]>,
    @InjectQueue(QueueName.LinkMaintenance)
    private readonly maintenance: Queue<JobDataByQueue[QueueName.LinkMaintenance]>,
  ) {}

  /** Device sync, 30-day initial backfill and subscription setup; job ids name the link and the link event. */
  async afterLink(linkId: number, requestId: string, now = new Date()): Promise<string[]> {
    const stamp = now.getTime();
    const start = new Date(stamp - INITIAL_BACKFILL_DAYS * 86_400_000).toISOString();
    const jobs = await Promise.all([
      this.devices.add(
        'device-sync',
        { linkId, requestId },
        { jobId: `link-${linkId}.devices.${stamp}`, priority: PRIORITY.initial },
      ),
      this.syncs.add(
        'initial',
        { linkId, strategy: 'initial', windowStart: start, windowEnd: now.toISOString(), requestId },
        { jobId: `link-${linkId}.initial.${stamp}`, priority: PRIORITY.initial },
      ),
      this.maintenance.add(
        'ensure_subscriptions',
        { linkId, task: 'ensure_subscriptions', requestId },
        { jobId: `link-${linkId}.subscriptions.${stamp}` },
      ),
    ]);
    return jobs.map((j) => j.id ?? '');
  }

  /**
   * Hook for ending the link's FHIR DeviceAssociations (period.end): its processor, which uses the publisher,
   * arrives with the device-sync work. Queued after removeQueued so it survives the clean-up.
   */
  async afterUnlink(linkId: number, requestId: string, now = new Date()): Promise<void> {
    await this.maintenance.add(
      'end_device_associations',
      { linkId, task: 'end_device_associations', requestId },
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
