import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmationCodeOf } from '../simulators/shared/link-flow.js';
import { newEhrUserId } from '../support/fixtures.js';
import { PrivateRedis } from '../support/private-redis.js';
import { linkThrough, newWithingsUser, startLinkingHarness, type LinkingHarness } from './linking.harness.js';

describe('Link confirmation while Redis is away', () => {
  let redis: PrivateRedis;
  let h: LinkingHarness;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    h = await startLinkingHarness({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '500' });
  });
  afterAll(async () => {
    await h.stop();
    await redis.stop();
  });

  it("should answer within 2 s, not hang, when the link's first jobs cannot be queued", async () => {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    const ehrUserId = newEhrUserId('outage');
    const { final } = await linkThrough(h, 'withings', { ehr_user_id: ehrUserId }, { confirm: false });
    const code = confirmationCodeOf(final);
    expect(code).toBeDefined();

    await redis.stop();
    const started = performance.now();
    const res = await fetch(`${h.base}/api/base/link/withings/confirm/`, {
      method: 'POST',
      headers: { ...h.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ confirmation_code: code, ehr_user_id: ehrUserId }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(res.status).toBeGreaterThanOrEqual(500);
  });
});
