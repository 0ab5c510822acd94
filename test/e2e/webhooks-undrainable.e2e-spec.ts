import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoogleWebhookSender } from '../simulators/google-health/webhook-sender.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';

const WITHINGS_SECRET = 'withings-hook-secret-undrainable-01';
const GOOGLE_SECRET = 'google-hook-secret-undrainable-012';
const SECONDS = 3;
const FORGED_PER_S = 100;
const GENUINE_PER_S = 5;

/**
 * The attack: forged webhook requests from anywhere, fast enough to spend a provider's whole budget, so that every
 * genuine notification answers 429 (Withings then gives up and may cancel the subscriptions). Verification comes
 * first: forged requests are limited per source address and never touch the budget of verified traffic.
 */
describe('webhook rate limits cannot be drained by forged requests', () => {
  let t: TestApp;
  let base: string;
  const sender = new GoogleWebhookSender();
  const withingsUser = String(100_000 + (randomBytes(3).readUIntBE(0, 3) % 800_000));
  const healthUserId = `8${BigInt(`0x${randomBytes(6).toString('hex')}`).toString()}`;

  beforeAll(async () => {
    t = await startApp({
      ROLE: 'api',
      // A budget the genuine traffic fits in (30 a provider) but the forged traffic (150 a provider) would spend.
      RATE_LIMIT_WEBHOOKS: '60',
      RATE_LIMIT_WEBHOOKS_UNVERIFIED: '20',
      WITHINGS_WEBHOOK_SECRET: WITHINGS_SECRET,
      GOOGLE_HEALTH_WEBHOOK_SECRET: GOOGLE_SECRET,
      GOOGLE_HEALTH_WEBHOOK_KEYSET: sender.keysetJson(),
    });
    await createLink(t.dataSource, await createUser(t.dataSource), 'withings', {
      externalUserId: withingsUser,
    });
    await createLink(t.dataSource, await createUser(t.dataSource), 'fitbit', {
      externalUserId: healthUserId,
    });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await t.close();
  });

  const form = (startdate: number): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `userid=${withingsUser}&appli=1&startdate=${startdate}&enddate=${startdate + 60}`,
  });
  const status = async (answer: Promise<Response>): Promise<number> => {
    const res = await answer;
    await res.arrayBuffer();
    return res.status;
  };

  it('should accept every genuine notification while 100 forged requests a second flow', async () => {
    const genuine: Promise<number>[] = [];
    const forged: Promise<number>[] = [];
    const started = Math.floor(Date.now() / 1000) - 3600;
    for (let tick = 0; tick < SECONDS * FORGED_PER_S; tick++) {
      const at = started + tick;
      // Forged: half a wrong Withings path token, half a Google notification with a broken signature.
      forged.push(
        tick % 2 === 0
          ? status(
              fetch(`${base}/webhooks/withings/not-the-secret-${String(tick).padStart(12, '0')}/`, form(at)),
            )
          : sender
              .post(
                `${base}/webhooks/fitbit/`,
                [sender.envelope(healthUserId, 'steps', new Date(), new Date())],
                {
                  tamper: true,
                },
              )
              .then((a) => a.status),
      );
      if (tick % (FORGED_PER_S / GENUINE_PER_S) === 0) {
        genuine.push(status(fetch(`${base}/webhooks/withings/${WITHINGS_SECRET}/`, form(at))));
        const from = new Date((at - 600) * 1000);
        genuine.push(
          sender
            .post(`${base}/webhooks/fitbit/`, [
              sender.envelope(healthUserId, 'weight', from, new Date(at * 1000)),
            ])
            .then((a) => a.status),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1000 / FORGED_PER_S));
    }
    const [genuineAnswers, forgedAnswers] = [await Promise.all(genuine), await Promise.all(forged)];

    expect(genuineAnswers).toHaveLength(2 * SECONDS * GENUINE_PER_S);
    expect(genuineAnswers.filter((s) => s === 429)).toEqual([]);
    expect(genuineAnswers.every((s) => s === 202 || s === 204)).toBe(true);
    // Forged requests never pass, and beyond their per-address budget they are turned away early.
    expect(forgedAnswers.filter((s) => s < 300)).toEqual([]);
    expect(forgedAnswers.filter((s) => s === 429).length).toBeGreaterThan(forgedAnswers.length / 2);
  });

  it("should still hold a provider's budget against verified traffic", async () => {
    const answers: number[] = [];
    const from = Math.floor(Date.now() / 1000) - 7200;
    for (let i = 0; i < 70; i++) {
      answers.push(await status(fetch(`${base}/webhooks/withings/${WITHINGS_SECRET}/`, form(from + i))));
    }
    expect(answers.filter((s) => s === 429).length).toBeGreaterThan(0);
  });
});
