import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueName } from '../../../src/common/queue/queue-names.js';

/** The queues whose jobs are the pipeline's work; the schedule and housekeeping queues hold repeatable ticks only. */
const WORK_QUEUES = [
  QueueName.Notifications,
  QueueName.UserSync,
  QueueName.DeviceSync,
  QueueName.LinkMaintenance,
] as const;

export type JobCounts = Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'failed', number>;

/** Read-only views of the service's BullMQ queues in the suite's Redis, for waiting and counting. */
export class QueueProbe {
  private readonly connection: Redis;
  private readonly queues: Map<QueueName, Queue>;

  constructor(redisUrl: string, redisPrefix: string) {
    // Patient (no per-command retry limit) so a probe during a Redis restart waits instead of failing the run.
    this.connection = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.connection.on('error', () => undefined);
    this.queues = new Map(
      WORK_QUEUES.map((name) => {
        const queue = new Queue(name, { connection: this.connection, prefix: `${redisPrefix}:bull` });
        // A Redis restart is the point of scenario 2: the queue would print every refused reconnect.
        queue.on('error', () => undefined);
        return [name, queue];
      }),
    );
  }

  /** Summed over the work queues. */
  async counts(): Promise<JobCounts> {
    const total: JobCounts = { waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 0 };
    for (const queue of this.queues.values()) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
      for (const key of Object.keys(total) as Array<keyof JobCounts>) {
        total[key] += c[key] ?? 0;
      }
    }
    return total;
  }

  async idle(): Promise<boolean> {
    const c = await this.counts();
    return c.waiting + c.active + c.delayed + c.prioritized === 0;
  }

  /** Jobs completed so far, summed over the work queues (BullMQ keeps the completed set). */
  async completed(): Promise<number> {
    let total = 0;
    for (const queue of this.queues.values()) {
      total += await queue.getCompletedCount();
    }
    return total;
  }

  /** `queue:id` of every active job now. */
  async activeJobs(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const [name, queue] of this.queues) {
      for (const job of await queue.getActive()) {
        ids.add(`${name}:${job.id ?? ''}`);
      }
    }
    return ids;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}

/** Polls `check` every 100 ms until it holds; resolves with the milliseconds waited, or rejects past the timeout. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check().catch(() => false)) {
      return performance.now() - started;
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
