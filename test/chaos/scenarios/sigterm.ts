import { expect } from 'vitest';
import { missingAtFhir, report, waitInboxFinal } from '../harness/checks.js';
import { COUNTS, RATE } from '../harness/counts.js';
import { startLoad, type Stage } from '../harness/load.js';
import type { Member } from '../harness/service.js';

/** The suite's SHUTDOWN_TIMEOUT_MS (environment.ts). */
const SHUTDOWN_TIMEOUT_MS = 15_000;

async function terminate(member: Member): Promise<{ ms: number; code: number | null }> {
  const signalled = performance.now();
  member.proc.child.kill('SIGTERM');
  const exit = await member.proc.exited;
  return { ms: performance.now() - signalled, code: exit.code };
}

/**
 * Scenario 6: SIGTERM to the api and to a worker under load, as a deployment sends it. Requests the api had
 * started before the signal must all be answered 2xx, both processes must exit 0 within SHUTDOWN_TIMEOUT_MS, and
 * every acknowledged notification must still reach the FHIR server (the worker finished or handed back its jobs).
 */
export async function sigterm({ env, patients, queues }: Stage): Promise<void> {
  const { since, load, sending } = startLoad({ env, patients, queues }, COUNTS.shutdownNotifications, RATE);
  await new Promise((r) => setTimeout(r, 1_500));
  const worker = env.fleet.workers[0];
  if (worker === undefined) {
    throw new Error('no worker');
  }
  const signalledAt = performance.now();
  const [api, work] = await Promise.all([terminate(env.fleet.api), terminate(worker)]);
  // Started before the signal, answered after it. Requests after the listener closed are refused, never acknowledged.
  const inFlight = load.sent.filter((s) => s.startedAt < signalledAt && s.endedAt > signalledAt);
  const inFlightFailed = inFlight.filter((s) => s.status < 200 || s.status >= 300);
  await Promise.all([env.fleet.restart(env.fleet.api), env.fleet.restart(worker)]);
  await sending;
  const reconciled = await waitInboxFinal(env, queues, since, 90_000);
  const missing = await missingAtFhir(env.fhir, load.accepted);
  report('6 SIGTERM under load', {
    apiExitS: api.ms / 1000,
    apiExitCode: String(api.code),
    workerExitS: work.ms / 1000,
    workerExitCode: String(work.code),
    inFlightAtSignal: inFlight.length,
    inFlightNot2xx: inFlightFailed.length,
    refusedAfterClose: load.sent.length - load.accepted.length,
    accepted: load.accepted.length,
    lost: missing.length,
    reconciled,
  });
  expect([api.code, work.code]).toEqual([0, 0]);
  expect(Math.max(api.ms, work.ms)).toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS);
  expect(inFlightFailed).toEqual([]);
  expect(missing).toEqual([]);
}
