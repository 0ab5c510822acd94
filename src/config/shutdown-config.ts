import type { ShutdownEnvironmentVariables } from './shutdown.env.js';

export interface ShutdownConfig {
  /** Signal to forced exit. */
  readonly timeoutMs: number;
  /** Readiness down, traffic still served, before the listener closes. */
  readonly readinessDelayMs: number;
  /** Jobs still running this long after the signal are handed back to the queue. */
  readonly handBackAtMs: number;
}

/** Load balancers notice a failed readiness probe after a few periods; 5 s covers the usual 1–2 s periods. */
const PRODUCTION_READINESS_DELAY_MS = 5_000;

/**
 * Hand-back leaves this share of the timeout (at most 5 s) to move jobs back to the queue and close
 * connections, so jobs are returned by this process instead of waiting for BullMQ's stalled-job check.
 */
function handBackReserveMs(timeoutMs: number): number {
  return Math.min(5_000, Math.floor(timeoutMs / 4));
}

export function shutdownConfig(
  vars: ShutdownEnvironmentVariables & { NODE_ENV: string },
  problems: string[],
): ShutdownConfig {
  const timeoutMs = vars.SHUTDOWN_TIMEOUT_MS;
  // Outside production nothing routes by readiness, and a developer's Ctrl-C should not wait.
  const readinessDelayMs =
    vars.SHUTDOWN_READINESS_DELAY_MS ?? (vars.NODE_ENV === 'production' ? PRODUCTION_READINESS_DELAY_MS : 0);
  const handBackAtMs = timeoutMs - handBackReserveMs(timeoutMs);
  if (readinessDelayMs >= handBackAtMs) {
    problems.push(
      `SHUTDOWN_READINESS_DELAY_MS (${readinessDelayMs} ms must be below ${handBackAtMs} ms: ` +
        `SHUTDOWN_TIMEOUT_MS less the time kept to hand jobs back)`,
    );
  }
  return { timeoutMs, readinessDelayMs, handBackAtMs };
}
