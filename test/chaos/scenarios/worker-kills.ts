import { expect } from 'vitest';
import { duplicateIdentifiers, inboxByStatus, report, waitInboxFinal } from '../harness/checks.js';
import { COUNTS, RATE } from '../harness/counts.js';
import { startLoad, type Stage } from '../harness/load.js';
import { waitUntil } from '../harness/queues.js';

const STALL_BOUND_MS = 60_000;

/**
 * Scenario 1: kill -9 a worker at random moments while notifications flow; the killed worker is started again at
 * once. After each kill, the jobs that were active then must leave the active state (BullMQ's stalled check hands
 * a dead worker's jobs to another) within 60 s.
 */
export async function workerKills({ env, patients, queues }: Stage): Promise<void> {
  const { since, load, sending } = startLoad({ env, patients, queues }, COUNTS.killNotifications, RATE);
  const spanMs = (COUNTS.killNotifications / RATE) * 1000;
  const stallWaits: Promise<number>[] = [];
  let kills = 0;
  while (kills < COUNTS.workerKills) {
    // Random moments spread over the load, so kills land in fetches, publishes and commits alike.
    await new Promise((r) => setTimeout(r, Math.random() * ((2 * spanMs) / COUNTS.workerKills)));
    const victim = env.fleet.workers[Math.floor(Math.random() * env.fleet.workers.length)];
    if (victim === undefined) {
      break;
    }
    const active = await queues.activeJobs();
    victim.proc.kill();
    kills++;
    stallWaits.push(
      waitUntil(
        'jobs active at the kill picked up again',
        async () => {
          const now = await queues.activeJobs();
          return [...active].every((id) => !now.has(id));
        },
        STALL_BOUND_MS + 30_000,
      ),
    );
    await env.fleet.restart(victim);
  }
  await sending;
  const stallMs = await Promise.all(stallWaits.map((w) => w.catch(() => Number.POSITIVE_INFINITY)));
  const reconciled = await waitInboxFinal(env, queues, since, 120_000);
  const inbox = await inboxByStatus(env, since);
  const dups = await duplicateIdentifiers(env.fhir);
  const maxStall = Math.max(0, ...stallMs);
  report('1 worker kill -9', {
    kills,
    notifications: load.sent.length,
    accepted: load.accepted.length,
    inbox: JSON.stringify(inbox),
    reconciled,
    duplicates: dups.length,
    maxStallPickupS: maxStall / 1000,
  });
  expect(dups).toEqual([]);
  expect(inbox['received'] ?? 0).toBe(0);
  expect(maxStall).toBeLessThanOrEqual(STALL_BOUND_MS);
}
