import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { DeviceSyncService, type DeviceSyncReport } from '../sync/device-sync.service.js';
import { PatientNotReadyError } from '../sync/patient-gate.js';
import { LinkLock } from '../sync/link-lock.js';
import { describe } from '../sync/sync.service.js';
import { delayJob, isLinkUnusable, settleFailure } from './job-failure.js';
import { STALLED_JOBS, throttledWorkerErrorLog } from './worker-errors.js';

type DeviceSyncJob = Job<JobDataByQueue[QueueName.DeviceSync]>;

/** Device syncs (queue device-sync): under the same per-link lock as data syncs, same failure rules. */
@Processor(QueueName.DeviceSync, STALLED_JOBS)
export class DeviceSyncProcessor extends WorkerHost {
  private readonly logger = new Logger(DeviceSyncProcessor.name);
  private readonly logWorkerError = throttledWorkerErrorLog(this.logger);

  constructor(
    private readonly devices: DeviceSyncService,
    private readonly lock: LinkLock,
  ) {
    super();
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logWorkerError(err);
  }

  async process(job: DeviceSyncJob, token?: string): Promise<DeviceSyncReport | string> {
    const lease = await this.lock.acquire(job.data.linkId);
    if (lease === undefined) {
      return delayJob(job, token, 2_000);
    }
    try {
      return await this.devices.run(job.data.linkId, lease);
    } catch (err) {
      // A patient without a usable Patient reference is synced again when the EHR maps it.
      if (isLinkUnusable(err) || err instanceof PatientNotReadyError) {
        return `skipped: ${describe(err)}`;
      }
      return await settleFailure(job, token, err);
    } finally {
      await lease.release();
    }
  }
}
