import { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { atMostEvery } from '../../common/logging/at-most-every.js';
import type { JobDataByQueue, QueueName } from '../../common/queue/queue-names.js';
import { withTimeout } from '../../common/redis/lua-script.js';
import { InboxUnavailableError } from './inbox-unavailable.error.js';
import type {
  InboxEntry,
  KeyedInboxRow,
  NotificationInboxRepository,
} from './notification-inbox.repository.js';

export interface Acceptance {
  readonly inboxId: string;
  /** False when the same notification (provider + dedup key) was already accepted within the dedup window. */
  readonly inserted: boolean;
  /** True when the row is to be processed: its job is queued, or will be by the reconciler; false for dropped rows. */
  readonly queued: boolean;
}

export interface InboxBatcherOptions {
  /** Most entries written by one flush (one INSERT statement). */
  readonly maxBatch: number;
  /** Most flushes storing at once; later calls wait and are grouped into the next flush. */
  readonly maxInFlight: number;
  /** Most calls waiting for a flush; beyond it calls are refused (InboxUnavailableError) instead of piling up. */
  readonly maxPending: number;
  /** Longest wait for the addBulk of a group; past it the group is answered and its jobs left to the reconciler. */
  readonly queueTimeoutMs: number;
}

export const INBOX_BATCHER_DEFAULTS: InboxBatcherOptions = {
  maxBatch: 500,
  maxInFlight: 2,
  maxPending: 5_000,
  queueTimeoutMs: 500,
};

export type InboxStore = Pick<NotificationInboxRepository, 'acceptMany'>;
export type NotificationJobs = Pick<Queue<JobDataByQueue[QueueName.Notifications]>, 'addBulk'>;

interface Waiter {
  readonly entry: InboxEntry;
  readonly resolve: (acceptance: Acceptance) => void;
  readonly reject: (err: unknown) => void;
}

const keyOf = (e: { provider: string; dedupKey: string }): string => `${e.provider}\u0000${e.dedupKey}`;

/** Answers each caller of a stored group with its row; the first caller of a key is the one that inserted it. */
function answer(
  groups: ReadonlyMap<string, readonly Waiter[]>,
  rows: ReadonlyMap<string, KeyedInboxRow>,
): void {
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

/**
 * Groups the inbox writes of concurrent callers: a commit per notification caps the webhook rate at the
 * database's commits per second, a commit per group does not. Calls made while flushes are running (or in the
 * same turn of the event loop) wait and go out together: one statement resolving the links and inserting the
 * rows (NotificationInboxRepository.acceptMany), one addBulk for the rows to queue, then every caller is answered.
 * There is no timer: an idle batcher flushes at the end of the current event-loop turn, so a lone request waits
 * no longer than before.
 *
 * Once the statement has committed, the notifications are safe, so Redis decides nothing about the answer: a
 * failed or slow addBulk (bounded by queueTimeoutMs, Redis being down or silent) still answers the group as
 * accepted and leaves its rows `queued` without a job, which the reconciler re-queues after a few minutes. A
 * failed statement rejects every caller of the group (nothing was stored; the sender retries), as
 * InboxUnavailableError (503) when the database is away or too slow, and then so are the calls waiting for the
 * next group: each answer stays within one database timeout. Calls beyond maxPending are refused at once, so a
 * stalled database cannot make the waiting list grow without bound.
 */
export class InboxBatcher {
  private readonly logger = new Logger('InboxBatcher');
  private readonly warnQueueFailure = atMostEvery(30_000, (err: unknown, jobs: number) => {
    this.logger.warn(
      `${jobs} notification job(s) not queued, left to the inbox reconciler: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  private readonly options: InboxBatcherOptions;
  private pending: Waiter[] = [];
  private readonly running = new Set<Promise<void>>();
  /** Groups stored, whose jobs are being queued before their callers are answered. */
  private readonly answering = new Set<Promise<void>>();
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
    if (this.pending.length >= this.options.maxPending) {
      return Promise.reject(new InboxUnavailableError('too many notifications waiting to be stored'));
    }
    return new Promise<Acceptance>((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every call made so far is answered (application shutdown). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.running.size > 0 || this.answering.size > 0) {
      this.startFlushes();
      await Promise.all([...this.running, ...this.answering]);
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

  /**
   * Never rejects: every outcome is delivered to the batch's callers. The flush's slot is free once the statement
   * is done, so a slow Redis delays the answers of its group but not the storing of the next one.
   */
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
    } catch (err) {
      // Calls waiting behind a group the database could not take would meet the same outage, only later.
      const refused = err instanceof InboxUnavailableError ? [...batch, ...this.pending.splice(0)] : batch;
      for (const waiter of refused) {
        waiter.reject(err);
      }
      return;
    }
    // New rows with a link, and earlier ones whose job may have been lost: re-adding an existing job id is a no-op.
    const toQueue = [...rows.values()].filter((row) => row.status === 'queued' || row.status === 'received');
    const answered = this.queue(toQueue).then(() => {
      answer(groups, rows);
    });
    this.answering.add(answered);
    void answered.finally(() => this.answering.delete(answered));
  }

  /** Never rejects: the rows are committed, and a job that could not be added is the reconciler's to add. */
  private async queue(rows: readonly KeyedInboxRow[]): Promise<void> {
    if (rows.length === 0) {
      return;
    }
    try {
      // The bound also covers a queue still waiting for its first connection, which no Redis command timeout does.
      await withTimeout(
        this.jobs.addBulk(
          rows.map((row) => ({
            name: row.provider,
            data: { inboxId: row.id },
            // No priority: every notification job has the same one, and prioritized adds cost Redis a third more.
            opts: { jobId: row.id },
          })),
        ),
        this.options.queueTimeoutMs,
      );
    } catch (err) {
      this.warnQueueFailure(err, rows.length);
    }
  }
}
