import { expect } from 'vitest';
import { duplicateIdentifiers, missingAtFhir, report, waitInboxFinal } from '../harness/checks.js';
import { COUNTS, RATE, SHORT } from '../harness/counts.js';
import { startLoad, type Stage } from '../harness/load.js';
import { waitUntil } from '../harness/queues.js';

const RESUME_BOUND_MS = 30_000;

/**
 * Scenario 2: kill -9 Redis and start it again (AOF everysec) under webhook load. Notifications the api
 * acknowledged must all reach a final inbox state and the FHIR server; after each restart the workers must
 * complete jobs again within 30 s (also reported: the first inbox row routed or finished after it); ≥ 99% of webhooks answered 2xx.
 */
export async function redisRestarts({ env, patients, queues }: Stage): Promise<void> {
  const { since, load, sending } = startLoad({ env, patients, queues }, COUNTS.redisNotifications, RATE);
  const downMs = SHORT ? 1_500 : 3_000;
  const resumeMs: number[] = [];
  const jobResumeMs: number[] = [];
  for (let i = 0; i < COUNTS.redisRestarts; i++) {
    await new Promise((r) => setTimeout(r, 1_000 + Math.random() * 2_000));
    await env.redis.kill();
    await new Promise((r) => setTimeout(r, downMs));
    await env.redis.start();
    const restartedAt = new Date();
    const completedBefore = await queues.completed();
    jobResumeMs.push(
      await waitUntil(
        'a job completed after the Redis restart',
        async () => (await queues.completed()) > completedBefore,
        90_000,
      ),
    );
    resumeMs.push(
      await waitUntil(
        'a notification routed or finished after the Redis restart',
        async () =>
          (
            await env.query<{ n: string }>(
              `SELECT count(*) AS n FROM notification_inbox WHERE routed_at > $1 OR finished_at > $1`,
              [restartedAt],
            )
          )[0]?.n !== '0',
        RESUME_BOUND_MS + 30_000,
      ),
    );
  }
  // The load outlasts the restarts (resumption needs new work to show); stop it once the last one is measured.
  load.stop();
  await sending;
  const reconciled = await waitInboxFinal(env, queues, since, 120_000);
  const missing = await missingAtFhir(env.fhir, load.accepted);
  const dups = await duplicateIdentifiers(env.fhir);
  const maxResume = Math.max(0, ...jobResumeMs);
  report('2 Redis kill -9 and restart', {
    restarts: COUNTS.redisRestarts,
    downS: downMs / 1000,
    notifications: load.sent.length,
    ok2xxPct: load.okRatio * 100,
    accepted: load.accepted.length,
    lost: missing.length,
    reconciled,
    duplicates: dups.length,
    maxResumeS: maxResume / 1000,
    maxInboxResumeS: Math.max(0, ...resumeMs) / 1000,
  });
  expect(missing).toEqual([]);
  expect(dups).toEqual([]);
  expect(load.okRatio).toBeGreaterThanOrEqual(0.99);
  expect(maxResume).toBeLessThanOrEqual(RESUME_BOUND_MS);
}
