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
import { SubscriptionRepairQueue } from '../subscriptions/subscription-repair-queue.js';
import { throttledWorkerErrorLog } from './worker-errors.js';

type MaintenanceData = JobDataByQueue[QueueName.Maintenance];

/**
 * Retention daily at 04:30 UTC: after the nightly reconciliation (03:00), before the daily sync (06:00).
 * Subscription check at 02:00 UTC: notifications the repair brings back are live before the reconciliation.
 */
export const MAINTENANCE_SCHEDULES: readonly JobSchedule<MaintenanceData>[] = [
  { key: 'retention', cron: '30 4 * * *', data: { task: 'retention' } },
  { key: 'subscriptions', cron: '0 2 * * *', data: { task: 'subscriptions' } },
];

/**
 * Housekeeping of the deployment (queue maintenance). Its job schedulers are upserted at every worker start, so
 * the deployment has exactly one of each however many workers run, and each tick runs on one worker. Failed
 * runs are retried like any job; a purge is idempotent, so a retry only finishes what is left, and the
 * subscription check only queues deduplicated per-link jobs.
 */
@Processor(QueueName.Maintenance)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);
  private readonly logWorkerError = throttledWorkerErrorLog(this.logger);

  constructor(
    private readonly retention: RetentionService,
    private readonly subscriptions: SubscriptionRepairQueue,
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
    switch (job.data.task) {
      case 'retention': {
        const counts = await this.retention.purge();
        return `${job.data.task}: ${counts.map((c) => `${c.table} ${c.rows} row(s)`).join(', ')}`;
      }
      case 'subscriptions': {
        // Withings cancels subscriptions after failed deliveries without telling us: only a check finds out.
        const links = await this.subscriptions.queueChecks(
          `schedule-subscriptions-${new Date(job.timestamp).toISOString()}`,
        );
        return `${job.data.task}: ${links} link(s) queued for a check`;
      }
    }
  }
}
