import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { AppConfig } from '../../config/app-config.js';
import { InboxBatcher, type Acceptance } from './inbox-batcher.js';
import { NotificationInboxRepository, type InboxEntry } from './notification-inbox.repository.js';

export type { Acceptance } from './inbox-batcher.js';

/**
 * Durable acceptance of one notification: commit it to the inbox (insert-or-ignore on provider + dedup key within
 * the dedup window, INBOX_DEDUP_WINDOW_HOURS), then queue its notifications job (job id = inbox id, name = provider, data {inboxId}) and mark the row queued;
 * rows already there and still 'received' are queued too, 'dropped' rows never. Every receiver goes through
 * here. Concurrent calls share their statements (see InboxBatcher), so the answer comes only after the row is
 * committed and the job queued, or found impossible to queue in time: the reconciler adds a job Redis lost or
 * never got. A failure to store propagates (503 when the database is away; the sender retries and lands on the
 * same row).
 */
@Injectable()
export class InboxAcceptor implements BeforeApplicationShutdown {
  private readonly batcher: InboxBatcher;

  constructor(
    config: AppConfig,
    inbox: NotificationInboxRepository,
    @InjectQueue(QueueName.Notifications) queue: Queue<JobDataByQueue[QueueName.Notifications]>,
  ) {
    this.batcher = new InboxBatcher(inbox, queue, {
      maxPending: config.failFast.inboxMaxPending,
      queueTimeoutMs: config.failFast.redisCommandTimeoutMs,
    });
  }

  accept(entry: InboxEntry): Promise<Acceptance> {
    return this.batcher.accept(entry);
  }

  /** Inbox INSERT statements issued so far (each serves one group of concurrent calls). */
  get flushCount(): number {
    return this.batcher.flushCount;
  }

  /** Before Postgres and Redis connections close (their modules close them at onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.batcher.drain();
  }
}
