import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { PRIORITY, QueueName, type JobDataByQueue } from '../../common/queue/queue-names.js';
import { NotificationInboxRepository, type InboxEntry } from './notification-inbox.repository.js';

export interface Acceptance {
  readonly inboxId: string;
  /** False when the same notification (provider + dedup key) was already in the inbox. */
  readonly inserted: boolean;
  /** True when this call (or an earlier one) has the row's job in the queue; false for dropped rows. */
  readonly queued: boolean;
}

/**
 * Durable acceptance of one notification: commit it to the inbox (insert-or-ignore on provider + dedup key),
 * then queue its notifications job (job id = inbox id, name = provider) and mark the row queued. Every receiver
 * goes through here. A failure to queue propagates (the sender retries and lands on the same row); the
 * reconciler covers a job Redis loses later.
 */
@Injectable()
export class InboxAcceptor {
  constructor(
    private readonly inbox: NotificationInboxRepository,
    @InjectQueue(QueueName.Notifications)
    private readonly queue: Queue<JobDataByQueue[QueueName.Notifications]>,
  ) {}

  async accept(entry: InboxEntry): Promise<Acceptance> {
    const row = await this.inbox.insertOrGet(entry);
    if (row.status === 'received') {
      await this.queue.add(
        entry.provider,
        { inboxId: row.id },
        { jobId: row.id, priority: PRIORITY.realtime },
      );
      await this.inbox.markQueued(row.id);
    }
    return { inboxId: row.id, inserted: row.inserted, queued: row.status !== 'dropped' };
  }
}
