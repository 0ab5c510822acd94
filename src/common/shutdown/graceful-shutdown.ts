import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication, Logger } from '@nestjs/common';
import type { ShutdownConfig } from '../../config/shutdown-config.js';
import type { OutageTolerantWorker } from '../queue/outage-tolerant-worker.js';
import { QueueWorkers } from './queue-workers.js';
import { ShutdownState } from './shutdown-state.js';

/** How often idle keep-alive sockets are closed while the listener drains. */
const IDLE_SWEEP_MS = 100;

/**
 * Stops accepting connections and resolves once every in-flight request is answered. Node's close() closes the
 * sockets idle at that moment only; a keep-alive socket freed by a finished response would hold it until its
 * keepAliveTimeout, so idle sockets are swept until the server is closed.
 */
function closeListener(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => {
      server.closeIdleConnections();
    }, IDLE_SWEEP_MS);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
  });
}

async function handBack(workers: readonly OutageTolerantWorker[], logger: Logger): Promise<void> {
  const ids = (await Promise.all(workers.map((w) => w.handBackJobs()))).flat();
  if (ids.length > 0) {
    logger.warn(
      { jobIds: ids },
      `Shutdown deadline near: ${ids.length} running job(s) handed back to the queue`,
    );
  }
}

/**
 * The shutdown sequence: readiness fails at once while everything is still served for readinessDelayMs, so load
 * balancers stop routing here; then the listener closes and in-flight requests and jobs (no new job is fetched
 * from the signal on) may finish until handBackAtMs, when jobs still running go back to the wait list; then
 * workers and connections close.
 */
async function drain(app: INestApplication, config: ShutdownConfig, logger: Logger): Promise<void> {
  const started = Date.now();
  app.get(ShutdownState).startDraining();
  const workers = app.get(QueueWorkers).list();
  await Promise.all(workers.map((w) => w.pause(true)));
  await sleep(config.readinessDelayMs);

  logger.log('Shutdown: listener closed; waiting for in-flight requests and jobs');
  const finished = Promise.all([
    closeListener(app.getHttpServer() as Server),
    ...workers.map((w) => w.jobsSettled()),
  ]);
  const inTime = await Promise.race([
    finished.then(() => true),
    sleep(Math.max(0, config.handBackAtMs - (Date.now() - started))).then(() => false),
  ]);
  if (!inTime) {
    await handBack(workers, logger);
  }
  // A forced close does not wait for handed-back processors, which no longer own their jobs.
  await Promise.all(workers.map((w) => w.close(!inTime)));
  await app.close();
  logger.log(`Shutdown complete in ${Date.now() - started} ms`);
}

/**
 * Owns SIGTERM and SIGINT: the first starts drain(), bounded by timeoutMs; a second one, or the timeout, exits 1
 * at once. Jobs cut short that way keep their lock until it expires and BullMQ's stalled-job check requeues them.
 */
export function exitGracefullyOnSignals(app: INestApplication, config: ShutdownConfig, logger: Logger): void {
  let first: string | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first !== undefined) {
      logger.error(
        `${signal} received again during shutdown: exiting now without waiting for in-flight work`,
      );
      process.exit(1);
    }
    first = signal;
    logger.log(
      `${signal} received: readiness fails now; listener closes in ${config.readinessDelayMs} ms; ` +
        `exit within ${config.timeoutMs} ms`,
    );
    setTimeout(() => {
      logger.error(`Shutdown took longer than SHUTDOWN_TIMEOUT_MS (${config.timeoutMs} ms): exiting anyway`);
      process.exit(1);
    }, config.timeoutMs).unref();
    drain(app, config, logger).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error(`Shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
