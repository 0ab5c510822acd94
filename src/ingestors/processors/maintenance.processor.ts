import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import {
  registerJobSchedulers,
  registerJobSchedulersAtStart,
  type JobSchedule,
} from '../../common/queue/job-schedulers.js';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { RetentionService } from '../../common/retention/retention.service.js';
import { throttledWorkerErrorLog } from './worker-errors.js';

type MaintenanceData = JobDataByQueue[QueueName.Maintenance];

/** Daily at 04:30 UTC: after the nightly reconciliation (03:00), before the daily sync (06:00). */
export const MAINTENANCE_SCHEDULES: readonly JobSchedule<MaintenanceData>[] = [
  { key: 'retention', cron: '30 4 * * *', data: { task: 'retention' } },
];

/**
 * Housekeeping of the deployment (queue maintenance). Its job schedulers are upserted at every worker start, so
 * the deployment has exactly one of each however many workers run, and each tick runs on one worker. Failed
 * runs are retried like any job; a purge is idempotent, so a retry only finishes what is left.
 */
@Processor(QueueName.Maintenance)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private readonly logWorkerError = throttledWorkerErrorLog(this.logger);

  constructor(
    private readonly retention: RetentionService,
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue<MaintenanceData>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await registerJobSchedulersAtStart(this.queue, MAINTENANCE_SCHEDULES, this.logger);
  }

  async registerSchedules(): Promise<void> {
    await registerJobSchedulers(this.queue, MAINTENANCE_SCHEDULES);
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logWorkerError(err);
  }

  async process(job: Job<MaintenanceData>): Promise<string> {
    // 'retention' is the only task so far; the task field lets later housekeeping share the queue.
    const counts = await this.retention.purge();
    return `${job.data.task}: ${counts.map((c) => `${c.table} ${c.rows} row(s)`).join(', ')}`;
  }
}
