import { isRedisInstance, Worker, type ConnectionOptions, type Processor, type WorkerOptions } from 'bullmq';

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

/** A BullMQ worker on its queue's connection made patient (see workerConnection); the key prefix is kept. */
export class OutageTolerantWorker extends Worker {
  constructor(name: string, processor: string | URL | null | Processor | undefined, opts: WorkerOptions) {
    super(name, processor, { ...opts, connection: workerConnection(opts.connection) });
  }
}
