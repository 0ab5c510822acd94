import type { Queue } from 'bullmq';
import type { JobDataByQueue, QueueName } from '../../common/queue/queue-names.js';
import type {
  InboxEntry,
  KeyedInboxRow,
  NotificationInboxRepository,
} from './notification-inbox.repository.js';

export interface Acceptance {
  readonly inboxId: string;
  /** False when the same notification (provider + dedup key) was already accepted within the dedup window. */
  readonly inserted: boolean;
  /** True when this call (or an earlier one) has the row's job in the queue; false for dropped rows. */
  readonly queued: boolean;
}

export interface InboxBatcherOptions {
  /** Most entries written by one flush (one INSERT statement). */
  readonly maxBatch: number;
  /** Most flushes running at once; later calls wait and are grouped into the next flush. */
  readonly maxInFlight: number;
}

export const INBOX_BATCHER_DEFAULTS: InboxBatcherOptions = { maxBatch: 500, maxInFlight: 2 };

export type InboxStore = Pick<NotificationInboxRepository, 'acceptMany'>;
export type NotificationJobs = Pick<Queue<JobDataByQueue[QueueName.Notifications]>, 'addBulk'>;

interface Waiter {
  readonly entry: InboxEntry;
  readonly resolve: (acceptance: Acceptance) => void;
  readonly reject: (err: unknown) => void;
}

const keyOf = (e: { provider: string; dedupKey: string }): string => `${e.provider}\u0000${e.dedupKey}`;

/**
 * Groups the inbox writes of concurrent callers: a commit per notification caps the webhook rate at the
 * database's commits per second, a commit per group does not. Calls made while flushes are running (or in the
 * same turn of the event loop) wait and go out together: one statement resolving the links and inserting the
 * rows (NotificationInboxRepository.acceptMany), one addBulk for the rows to queue, then every caller is answered.
 * There is no timer: an idle batcher flushes at the end of the current event-loop turn, so a lone request waits
 * no longer than before.
 *
 * Failures answer the whole group, never part of it silently: a failed statement rejects every caller (nothing
 * was stored, the sender retries); a failed addBulk rejects them too, leaving rows `queued` without a job, which
 * the sender's retry (re-adding jobs of existing rows) or the reconciler (after a few minutes) repairs.
 */
export class InboxBatcher {
  private readonly options: InboxBatcherOptions;
  private pending: Waiter[] = [];
  private readonly running = new Set<Promise<void>>();
  private scheduled = false;
  private flushes = 0;

  constructor(
    private readonly store: InboxStore,
    private readonly jobs: NotificationJobs,
    options: Partial<InboxBatcherOptions> = {},
  ) {
    this.options = { ...INBOX_BATCHER_DEFAULTS, ...options };
  }

  /** Flushes started so far, i.e. INSERT statements issued. */
  get flushCount(): number {
    return this.flushes;
  }

  accept(entry: InboxEntry): Promise<Acceptance> {
    return new Promise<Acceptance>((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every call made so far is answered (application shutdown). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.running.size > 0) {
      this.startFlushes();
      await Promise.all(this.running);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running.size >= this.options.maxInFlight || this.pending.length === 0) {
      return;
    }
    this.scheduled = true;
    // End of this event-loop turn: requests parsed in the same I/O phase join one group, without any sleep.
    setImmediate(() => {
      this.scheduled = false;
      this.startFlushes();
    });
  }

  private startFlushes(): void {
    while (this.running.size < this.options.maxInFlight && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      this.flushes++;
      const run: Promise<void> = this.flush(batch).finally(() => {
        this.running.delete(run);
        this.schedule();
      });
      this.running.add(run);
    }
  }

  /** Never rejects: every outcome is delivered to the batch's callers. */
  private async flush(batch: readonly Waiter[]): Promise<void> {
    // Identical entries in one group become one row; the first caller is the one that inserted it.
    const groups = new Map<string, Waiter[]>();
    for (const waiter of batch) {
      const key = keyOf(waiter.entry);
      const group = groups.get(key);
      if (group === undefined) {
        groups.set(key, [waiter]);
      } else {
        group.push(waiter);
      }
    }
    const entries = [...groups.values()].map((group) => (group[0] as Waiter).entry);
    let rows: Map<string, KeyedInboxRow>;
    try {
      const accepted = await this.store.acceptMany(entries);
      rows = new Map(accepted.map((row) => [keyOf(row), row]));
      // New rows with a link, and earlier ones whose job may have been lost: re-adding an existing job id is a no-op.
      const toQueue = accepted.filter((row) => row.status === 'queued' || row.status === 'received');
      if (toQueue.length > 0) {
        await this.jobs.addBulk(
          toQueue.map((row) => ({
            name: row.provider,
            data: { inboxId: row.id },
            // No priority: every notification job has the same one, and prioritized adds cost Redis a third more.
            opts: { jobId: row.id },
          })),
        );
      }
    } catch (err) {
      for (const waiter of batch) {
        waiter.reject(err);
      }
      return;
    }
    for (const [key, group] of groups) {
      const row = rows.get(key);
      group.forEach((waiter, i) => {
        if (row === undefined) {
          waiter.reject(new Error('notification_inbox row vanished between insert and select'));
        } else {
          waiter.resolve({
            inboxId: row.id,
            inserted: i === 0 && row.inserted,
            queued: row.status !== 'dropped',
          });
        }
      });
    }
  }
}
