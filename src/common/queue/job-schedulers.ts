import type { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';

/** A queue whose job data is D and job names any string (the explicit parameters keep a generic D resolvable). */
type QueueOf<D> = Queue<D, unknown, string, D, unknown, string>;

/** One repeatable job of a queue: at each tick of `cron` (UTC) a job named `key` with `data` is added. */
export interface JobSchedule<D> {
  readonly key: string;
  readonly cron: string;
  readonly data: D;
}

/**
 * Upserts one job scheduler per schedule and removes the queue's schedulers no longer listed. Schedulers are
 * keyed, so any number of workers registering them at start leaves exactly one of each per deployment (Redis
 * prefix), and a schedule dropped from the code disappears at the next worker start.
 */
export async function registerJobSchedulers<D>(
  queue: QueueOf<D>,
  schedules: readonly JobSchedule<D>[],
): Promise<void> {
  const wanted = new Set(schedules.map((s) => s.key));
  for (const s of schedules) {
    await queue.upsertJobScheduler(
      s.key,
      { pattern: s.cron, tz: 'UTC' },
      { name: s.key, data: s.data, opts: { removeOnComplete: 50, removeOnFail: 50 } },
    );
  }
  for (const existing of await queue.getJobSchedulers()) {
    if (existing.key !== '' && !wanted.has(existing.key)) {
      await queue.removeJobScheduler(existing.key);
    }
  }
}

/** registerJobSchedulers at worker start, where a failure must not stop the process. */
export async function registerJobSchedulersAtStart<D>(
  queue: QueueOf<D>,
  schedules: readonly JobSchedule<D>[],
  logger: Logger,
): Promise<void> {
  try {
    await registerJobSchedulers(queue, schedules);
  } catch (err) {
    // A worker without Redis at start still serves; the next worker start (or restart) registers them.
    logger.warn(
      `${queue.name} schedules not registered: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
