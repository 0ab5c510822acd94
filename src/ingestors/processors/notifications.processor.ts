import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Job } from 'bullmq';
import type { Counter } from 'prom-client';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { ProviderAdapters } from '../auth/provider-adapters.js';
import { LinkEndingService } from '../links/link-ending.service.js';
import { LinkJobs } from '../links/link-jobs.js';
import {
  NotificationRoutingRepository,
  type InboxNotification,
} from '../sync/notification-routing.repository.js';
import { SyncLinkRepository } from '../sync/sync-link.repository.js';
import { TokenService } from '../tokens/token.service.js';
import { METRIC } from '../../metrics/metric-names.js';
import { failureReason, PermanentJobError } from './failure-reason.js';
import { isPermanent, settleFailure } from './job-failure.js';
import { STALLED_JOBS, throttledWorkerErrorLog } from './worker-errors.js';

type NotificationJob = Job<JobDataByQueue[QueueName.Notifications]>;

/**
 * One job per accepted notification (job id = inbox id). Reads the inbox row, asks the provider's adapter what
 * it means, and routes it: a sync request becomes a `routed` row plus the link's realtime sync (deduplicated per
 * link: one running, one waiting, each draining every routed row); a revocation ends the link as an unlink
 * does; anything else is closed. Re-running it is harmless: a routed row only re-requests its sync.
 *
 * A job that spends every attempt, or meets a permanent error, dead-letters its row as `failed` (with a reason
 * code) so it no longer looks in flight; the reconciler does the same for a job found in the failed set whose
 * worker died before recording it. Replays go through the inbox dead-letter routes or CLI.
 */
@Processor(QueueName.Notifications, STALLED_JOBS)
export class NotificationsProcessor extends WorkerHost {
  private readonly logger = new Logger(NotificationsProcessor.name);
  private readonly logWorkerError = throttledWorkerErrorLog(this.logger);

  constructor(
    private readonly inbox: NotificationRoutingRepository,
    private readonly links: SyncLinkRepository,
    private readonly adapters: ProviderAdapters,
    private readonly jobs: LinkJobs,
    private readonly ending: LinkEndingService,
    private readonly tokens: TokenService,
    @InjectMetric(METRIC.inboxFailed) private readonly failedRows: Counter<'provider'>,
  ) {
    super();
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logWorkerError(err);
  }

  /** Fires after every failed attempt; only a job BullMQ gave up on (finishedOn set) dead-letters its row. */
  @OnWorkerEvent('failed')
  async onFailed(job: NotificationJob | undefined, err: Error): Promise<void> {
    if (job?.finishedOn === undefined) {
      return;
    }
    try {
      const provider = await this.inbox.fail(job.data.inboxId, failureReason(err));
      if (provider !== undefined) {
        this.failedRows.inc({ provider });
      }
    } catch (markErr) {
      // The reconciler fails the row later from the job's failed state.
      this.logger.warn({ err: markErr }, `inbox row ${job.data.inboxId} not marked failed`);
    }
  }

  async process(job: NotificationJob, token?: string): Promise<string> {
    try {
      return await this.run(job);
    } catch (err) {
      if (isPermanent(err)) {
        throw new PermanentJobError(failureReason(err), err);
      }
      return settleFailure(job, token, err);
    }
  }

  private async run(job: NotificationJob): Promise<string> {
    const row = await this.inbox.find(job.data.inboxId);
    // A failed row's job is only run again through a replay, which sets the row back to queued first.
    if (row === undefined || row.status === 'done' || row.status === 'dropped' || row.status === 'failed') {
      return `already ${row?.status ?? 'gone'}`;
    }
    if (row.status === 'routed' && row.linkId !== null) {
      await this.jobs.requestSync(row.linkId, 'realtime', syncRequestId(job));
      return 'sync requested again';
    }
    const link = row.linkId === null ? undefined : await this.links.find(row.linkId);
    if (link?.status !== 'active') {
      await this.inbox.finish(row.id, 'dropped');
      return `dropped: link ${link?.status ?? 'unknown'}`;
    }
    return this.handle(row, link.id, job);
  }

  private async handle(row: InboxNotification, linkId: number, job: NotificationJob): Promise<string> {
    const intent = this.adapters.notificationsFor(row.provider).interpret(row.payload);
    switch (intent.kind) {
      case 'sync': {
        const types = intent.dataTypes.filter((t) => this.adapters.data(row.provider).dataTypes.includes(t));
        if (types.length === 0) {
          await this.inbox.finish(row.id, 'done');
          return 'nothing to fetch';
        }
        await this.inbox.route(row.id, types, intent.window);
        await this.jobs.requestSync(linkId, 'realtime', syncRequestId(job));
        return `routed: ${types.join(',')}`;
      }
      case 'revoke':
        return this.revoke(row, linkId, 'provider revocation notice');
      case 'check_consent': {
        // Google sends DELETE both for deleted data and for a withdrawn consent: only the token endpoint knows.
        if (await this.tokens.grantIsValid(linkId)) {
          await this.inbox.finish(row.id, 'done');
          return 'deletion notice; consent still granted';
        }
        return this.revoke(row, linkId, 'consent withdrawn (grant refused)');
      }
      case 'ignore':
        await this.inbox.finish(row.id, 'done');
        return `ignored: ${intent.reason}`;
    }
  }

  private async revoke(row: InboxNotification, linkId: number, reason: string): Promise<string> {
    await this.ending.end(linkId, {
      actor: `provider:${row.provider}`,
      action: 'link.revoked_by_provider',
      requestId: `inbox-${row.id}`,
      details: { reason, inbox_id: row.id },
    });
    await this.inbox.finish(row.id, 'done');
    return 'link ended';
  }
}

function syncRequestId(job: NotificationJob): { requestId?: string } {
  return job.data.requestId === undefined ? {} : { requestId: job.data.requestId };
}
