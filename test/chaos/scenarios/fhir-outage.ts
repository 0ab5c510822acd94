import { expect } from 'vitest';
import {
  duplicateIdentifiers,
  inboxByStatus,
  missingAtFhir,
  report,
  waitInboxFinal,
} from '../harness/checks.js';
import { COUNTS, RATE } from '../harness/counts.js';
import { startLoad, type Stage } from '../harness/load.js';
import { breakerLogged, watchBreaker } from '../harness/probes.js';

/** More faults than any outage can spend; clearFaults() ends the outage. */
const UNTIL_CLEARED = 1_000_000;

/**
 * Scenario 4: the FHIR server answers 503 for the first half of the outage and hangs (no answer until the client's
 * FHIR_TIMEOUT_MS) for the second, under webhook load. The FHIR breaker must open, no job may fail for good, and
 * after recovery the backlog must drain with every accepted notification's weight written once.
 */
export async function fhirOutage({ env, patients, queues }: Stage): Promise<void> {
  const failedBefore = (await queues.counts()).failed;
  const worker = env.fleet.workers[0];
  if (worker === undefined) {
    throw new Error('no worker');
  }
  const breaker = watchBreaker(worker, 'fhir');
  const since = new Date();
  const { load, sending } = startLoad(
    { env, patients, queues },
    COUNTS.fhirNotifications,
    Math.min(RATE, 10),
  );
  // No Retry-After: the jobs retry on their own backoff, and the consecutive failures open the breaker.
  env.fhir.injectFault({ status: 503, times: UNTIL_CLEARED });
  await new Promise((r) => setTimeout(r, COUNTS.fhirOutageMs / 2));
  env.fhir.clearFaults();
  env.fhir.injectFault({ hang: true, times: UNTIL_CLEARED });
  await new Promise((r) => setTimeout(r, COUNTS.fhirOutageMs / 2));
  env.fhir.clearFaults();
  const recovered = performance.now();
  await sending;
  const reconciled = await waitInboxFinal(env, queues, since, 180_000);
  const drainS = (performance.now() - recovered) / 1000;
  // Watched until now: the hung calls fail (FHIR_TIMEOUT_MS) and open the breaker after the faults are gone.
  const opened = (await breaker.stop()) || breakerLogged(env.fleet.workers, 'fhir');
  const inbox = await inboxByStatus(env, since);
  const failedJobs = (await queues.counts()).failed - failedBefore;
  const missing = await missingAtFhir(env.fhir, load.accepted);
  const dups = await duplicateIdentifiers(env.fhir);
  report('4 FHIR server 503 then hanging', {
    outageS: COUNTS.fhirOutageMs / 1000,
    breakerOpened: opened,
    notifications: load.sent.length,
    accepted: load.accepted.length,
    inbox: JSON.stringify(inbox),
    failedJobs,
    reconciled,
    missing: missing.length,
    duplicates: dups.length,
    drainAfterRecoveryS: drainS,
  });
  expect(opened).toBe(true);
  expect(failedJobs).toBe(0);
  expect(inbox['failed'] ?? 0).toBe(0);
  expect(missing).toEqual([]);
  expect(dups).toEqual([]);
}
