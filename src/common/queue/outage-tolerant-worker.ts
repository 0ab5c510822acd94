import {
  isRedisInstance,
  WaitingError,
  Worker,
  type ConnectionOptions,
  type Job,
  type Processor,
  type WorkerOptions,
} from 'bullmq';

/**
 * The connection a worker needs, from its queue's. @nestjs/bullmq builds every worker from the connection options
 * of the queue it serves, and those fail fast for the producers that answer HTTP requests. A worker must instead
 * wait Redis out: its blocking fetch (BZPOPMIN, up to seconds) must not be cut by a command timeout, and BullMQ
 * requires unlimited retries per request for it. A ready-made client is left as it is.
 */
export function workerConnection(connection: ConnectionOptions): ConnectionOptions {
  if (isRedisInstance(connection)) {
    return connection;
  }
  return { ...connection, enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined };
}

interface InFlight {
  readonly job: Job;
  readonly token: string;
  handedBack: boolean;
}

/**
 * A BullMQ worker on its queue's connection made patient (see workerConnection); the key prefix is kept. It also
 * knows its in-flight jobs, so a shutdown can wait for them or hand them back to the queue (see handBackJobs).
 */
export class OutageTolerantWorker extends Worker {
  private readonly inFlight = new Set<InFlight>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(name: string, processor: string | URL | null | Processor | undefined, opts: WorkerOptions) {
    super(name, processor, { ...opts, connection: workerConnection(opts.connection) });
  }

  protected override async callProcessJob(job: Job, token: string, signal?: AbortSignal): Promise<unknown> {
    const entry: InFlight = { job, token, handedBack: false };
    this.inFlight.add(entry);
    try {
      const result: unknown = await super.callProcessJob(job, token, signal);
      return this.unlessHandedBack(entry, result);
    } catch (err) {
      return this.unlessHandedBack(entry, err, true);
    } finally {
      this.inFlight.delete(entry);
      if (this.inFlight.size === 0) {
        this.idleWaiters.splice(0).forEach((wake) => {
          wake();
        });
      }
    }
  }

  /** Resolves once no job of this worker is being processed. */
  jobsSettled(): Promise<void> {
    return this.inFlight.size === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Moves every job still being processed back to the wait list (attempts unchanged), for another worker to run
   * from the start; syncs resume from their saved progress and are idempotent. Answers the ids handed back. A job
   * that cannot be moved (Redis away) keeps its lock until it expires; BullMQ's stalled-job check then requeues it.
   */
  async handBackJobs(): Promise<string[]> {
    const ids: string[] = [];
    for (const entry of this.inFlight) {
      if (entry.handedBack) {
        continue;
      }
      try {
        await entry.job.moveToWait(entry.token);
        entry.handedBack = true;
        ids.push(entry.job.id ?? '?');
      } catch (err) {
        this.emit('error', err instanceof Error ? err : new Error(String(err)));
      }
    }
    return ids;
  }

  /** A handed-back job is no longer ours: its late outcome must neither complete nor fail it. */
  private unlessHandedBack(entry: InFlight, outcome: unknown, failed = false): unknown {
    if (entry.handedBack) {
      throw new WaitingError();
    }
    if (failed) {
      throw outcome;
    }
    return outcome;
  }
}
