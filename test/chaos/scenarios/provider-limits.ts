import { expect } from 'vitest';
import { report } from '../harness/checks.js';
import { SHORT } from '../harness/counts.js';
import { NotificationLoad, type Stage } from '../harness/load.js';
import { waitUntil } from '../harness/queues.js';

const RETRY_AFTER_S = SHORT ? 6 : 30;
/** The service's Withings quota for this scenario: the 120 calls/min, lowered in the short run so that a
 * 15-second burst is enough to hit it (a minute at 120 would need the whole CI budget). */
const WITHINGS_PER_MINUTE = SHORT ? 30 : 120;
const OBSERVE_MS = SHORT ? 15_000 : 150_000;

/**
 * Scenario 5, run last because it restarts the workers with a tighter Withings quota. (a) Google answers one
 * data call 429 with Retry-After while notifications for that patient keep coming: no Google call may arrive
 * before the Retry-After has passed. (b) Withings notifications far beyond the quota: the calls reaching Withings,
 * from all workers together, stay within the quota in every 60-second window.
 */
export async function providerLimits({ env, patients }: Stage): Promise<void> {
  const google = patients.filter((p) => p.provider === 'fitbit');
  const googleLoad = new NotificationLoad(env, google);
  env.google.failNextDataCalls(429, 1, RETRY_AFTER_S);
  const callsBefore = env.googleCalls.calls.length;
  const sendingGoogle = googleLoad.run(SHORT ? 8 : 60, SHORT ? 4 : 2, 2);
  await waitUntil('the 429', () => Promise.resolve(env.googleCalls.calls.length > callsBefore), 30_000);
  const limitedAt = env.googleCalls.calls[callsBefore]?.at ?? Date.now();
  await sendingGoogle;
  await new Promise((r) => setTimeout(r, RETRY_AFTER_S * 1000 + 2_000));
  const early = env.googleCalls.calls.filter(
    (c) => c.at > limitedAt && c.at < limitedAt + RETRY_AFTER_S * 1000,
  ).length;
  const after = env.googleCalls.calls.filter((c) => c.at >= limitedAt + RETRY_AFTER_S * 1000).length;

  env.fleet.setEnv({ WITHINGS_QUOTA_PER_MINUTE: String(WITHINGS_PER_MINUTE) });
  for (const worker of env.fleet.workers) {
    await env.fleet.restart(worker);
  }
  const since = Date.now();
  const withingsLoad = new NotificationLoad(
    env,
    patients.filter((p) => p.provider === 'withings'),
  );
  const sending = withingsLoad.run(SHORT ? 200 : 1_200, SHORT ? 20 : 10);
  await new Promise((r) => setTimeout(r, OBSERVE_MS));
  withingsLoad.stop();
  await sending;
  const maxPerMinute = env.withingsCalls.maxInWindow(60_000, since);
  report('5 provider 429 and quota', {
    googleRetryAfterS: RETRY_AFTER_S,
    googleCallsBeforeReset: early,
    googleCallsAfterReset: after,
    withingsQuotaPerMin: WITHINGS_PER_MINUTE,
    withingsNotifications: withingsLoad.sent.length,
    withingsMaxCallsIn60s: maxPerMinute,
    observedS: OBSERVE_MS / 1000,
  });
  expect(early).toBe(0);
  expect(after).toBeGreaterThan(0);
  expect(maxPerMinute).toBeLessThanOrEqual(WITHINGS_PER_MINUTE);
  // The bound is only shown if the load pressed against it.
  expect(withingsLoad.accepted.length).toBeGreaterThan(WITHINGS_PER_MINUTE);
}
