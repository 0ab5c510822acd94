import { expect } from 'vitest';
import { report, waitInboxFinal } from '../harness/checks.js';
import { SHORT } from '../harness/counts.js';
import { startLoad, type Stage } from '../harness/load.js';
import { baseOf, probe } from '../harness/probes.js';
import { waitUntil } from '../harness/queues.js';

const DOWN_BOUND_MS = 2_000;
const UP_BOUND_MS = 5_000;

/**
 * Scenario 3: stop Postgres under load. Every process's readiness must turn 503 within 2 s and back to 200
 * within 5 s of Postgres returning, liveness must stay 200 throughout, and no process may exit.
 */
export async function postgresStop({ env, patients, queues }: Stage): Promise<void> {
  const members = env.fleet.members;
  const pids = members.map((m) => m.proc.child.pid);
  const since = new Date();
  const { load, sending } = startLoad({ env, patients, queues }, SHORT ? 100 : 600, 10, 4);
  let liveFailures = 0;
  const watch = new AbortController();
  const liveWatch = (async () => {
    while (!watch.signal.aborted) {
      const statuses = await Promise.all(members.map((m) => probe(baseOf(m), 'live')));
      liveFailures += statuses.filter((s) => s !== 200).length;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const allReady = (want: number) => async () =>
    (await Promise.all(members.map((m) => probe(baseOf(m), 'ready')))).every((s) => s === want);

  await new Promise((r) => setTimeout(r, 2_000));
  await env.postgres.stop();
  const downMs = await waitUntil('every process not ready', allReady(503), 30_000);
  await new Promise((r) => setTimeout(r, SHORT ? 5_000 : 30_000));
  await env.postgres.start();
  const upMs = await waitUntil('every process ready again', allReady(200), 60_000);
  watch.abort();
  await liveWatch;
  load.stop();
  await sending;
  await waitInboxFinal(env, queues, since, 60_000);
  const restarted = members.filter((m, i) => m.proc.child.pid !== pids[i] || m.proc.child.exitCode !== null);
  report('3 Postgres stopped under load', {
    readyTo503S: downMs / 1000,
    readyAgainS: upMs / 1000,
    liveNon200: liveFailures,
    processRestarts: restarted.length,
    webhooks: load.sent.length,
    ok2xxPct: load.okRatio * 100,
  });
  expect(downMs).toBeLessThanOrEqual(DOWN_BOUND_MS);
  expect(upMs).toBeLessThanOrEqual(UP_BOUND_MS);
  expect(liveFailures).toBe(0);
  expect(restarted).toEqual([]);
}
