import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { QueueName, type JobDataByQueue } from '../../src/common/queue/queue-names.js';
import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import { InboxReconciler } from '../../src/webhooks/inbox/inbox-reconciler.service.js';
import { GoogleWebhookSender } from '../simulators/google-health/webhook-sender.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';
import { PrivateRedis } from '../support/private-redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { newHealthUserId, SECRET as GOOGLE_SECRET } from './webhooks-fitbit.helpers.js';

const SECRET = 'withings-hook-secret-outage-0123456';
const WITHINGS = `/webhooks/withings/${SECRET}`;
/** Well past any answer the service should give; a request still open then counts as hung. */
const HUNG_MS = 5_000;

interface Timed {
  readonly status: number;
  readonly ms: number;
  readonly retryAfter: string | null;
  readonly body: unknown;
}

async function timed(url: string, init: RequestInit): Promise<Timed> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(HUNG_MS) });
    const text = await res.text();
    return {
      status: res.status,
      ms: performance.now() - started,
      retryAfter: res.headers.get('retry-after'),
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  } catch {
    return { status: 0, ms: performance.now() - started, retryAfter: null, body: undefined };
  }
}

const userid = String(100_000 + Math.floor(Math.random() * 800_000));
let window = 1_703_000_000 + Math.floor(Math.random() * 1_000) * 100_000;
const withingsBody = (): URLSearchParams => {
  window += 3600;
  return new URLSearchParams({ userid, appli: '1', startdate: String(window), enddate: String(window + 60) });
};

describe('Webhook intake while Redis is away', () => {
  const sender = new GoogleWebhookSender();
  const hid = newHealthUserId();
  let redis: PrivateRedis;
  let proxy: TcpProxy;
  let t: TestApp;
  let base: string;
  let hour = 0;

  const postWithings = (): Promise<Timed> =>
    timed(`${base}${WITHINGS}`, { method: 'POST', body: withingsBody() });
  const postGoogle = (): Promise<Timed> => {
    hour++;
    const start = new Date(Date.UTC(2026, 2, 1, hour));
    const envelope = sender.envelope(hid, 'steps', start, new Date(start.getTime() + 3_600_000));
    return timed(`${base}/webhooks/fitbit/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-healthapi-signature': sender.sign(JSON.stringify([envelope])),
      },
      body: JSON.stringify([envelope]),
    });
  };
  /** A burst of concurrent deliveries from both providers, then a few one after the other. */
  const burst = async (): Promise<Timed[]> => {
    const concurrent = await Promise.all([
      ...Array.from({ length: 15 }, postWithings),
      ...Array.from({ length: 5 }, postGoogle),
    ]);
    const serial: Timed[] = [];
    for (let i = 0; i < 2; i++) {
      serial.push(await postWithings(), await postGoogle());
    }
    return [...concurrent, ...serial];
  };
  const expectAnsweredInTime = (answers: readonly Timed[]): void => {
    expect(answers.map((a) => a.status).filter((s) => s < 200 || s >= 300)).toEqual([]);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(2_000);
  };
  const inboxRows = (): Promise<{ id: string; status: string }[]> =>
    t.dataSource.query(
      `SELECT id, status FROM notification_inbox
        WHERE (provider = 'withings' AND payload->>'userid' = $1)
           OR (provider = 'fitbit' AND payload->>'healthUserId' = $2)`,
      [userid, hid],
    );
  const queue = (): Queue<JobDataByQueue[QueueName.Notifications]> =>
    t.app.get(getQueueToken(QueueName.Notifications));

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    proxy = await new TcpProxy('127.0.0.1', redis.port).start();
    t = await startApp({
      ROLE: 'api',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      REDIS_COMMAND_TIMEOUT_MS: '500',
      WITHINGS_WEBHOOK_SECRET: SECRET,
      GOOGLE_HEALTH_WEBHOOK_SECRET: GOOGLE_SECRET,
      GOOGLE_HEALTH_WEBHOOK_KEYSET: sender.keysetJson(),
    });
    const user = await createUser(t.dataSource);
    await createLink(t.dataSource, user, 'withings', { externalUserId: userid });
    await createLink(t.dataSource, user, 'fitbit', { externalUserId: hid });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
    await redis.stop();
  });

  it('should queue notifications as usual while Redis is up', async () => {
    const answers = await Promise.all([postWithings(), postGoogle()]);
    expect(answers.map((a) => a.status)).toEqual([202, 204]);
  });

  it('should answer 2xx in under 2 s while Redis hangs (connections open, no replies)', async () => {
    proxy.stall();
    expectAnsweredInTime(await burst());
  });

  it('should answer 2xx in under 2 s while Redis is down (refused connections)', async () => {
    proxy.restore();
    await redis.stop();
    expectAnsweredInTime(await burst());
  });

  it('should lose no accepted notification: every row gets its job once Redis is back and the reconciler ran', async () => {
    const rows = await inboxRows();
    // 2 before the outage, 24 while Redis hung, 24 while it was down.
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.status === 'queued')).toBe(true);

    await redis.start();
    await expect
      .poll(
        async () =>
          queue()
            .getJobCounts()
            .then(
              () => true,
              () => false,
            ),
        { timeout: 10_000 },
      )
      .toBe(true);
    await t.dataSource.query(
      `UPDATE notification_inbox SET received_at = received_at - interval '10 minutes',
              queued_at = queued_at - interval '10 minutes' WHERE id = ANY($1::uuid[])`,
      [rows.map((r) => r.id)],
    );
    const jobsOf = (): Promise<unknown[]> =>
      Promise.all(rows.map(async (r) => (await queue().getJob(r.id))?.data));
    // Redis came back empty: whatever it held before the outage is gone with it.
    expect((await jobsOf()).filter((data) => data === undefined).length).toBeGreaterThan(0);
    const reconciler = new InboxReconciler(t.dataSource, queue(), t.app.get(LinkJobs), { intervalMs: 0 });
    expect((await reconciler.reconcileOnce()).requeued).toBeGreaterThan(0);
    expect(await jobsOf()).toEqual(rows.map((r) => ({ inboxId: r.id })));
    // No worker consumes them here: closed, so other files' reconcilers never find them stale later.
    await t.dataSource.query(`UPDATE notification_inbox SET status = 'done' WHERE id = ANY($1::uuid[])`, [
      rows.map((r) => r.id),
    ]);
  });
});

describe('Webhook intake while Postgres is away', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let base: string;

  const post = (): Promise<Timed> => timed(`${base}${WITHINGS}`, { method: 'POST', body: withingsBody() });
  const expectRefused = (answer: Timed): void => {
    expect(answer).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
    expect(answer.body).toEqual({
      error: 'service_unavailable',
      message: expect.any(String),
      details: {},
      timestamp: expect.any(String),
      request_id: expect.any(String),
    });
    expect(answer.ms).toBeLessThan(1_000);
  };

  beforeAll(async () => {
    const db = new URL(inject('databaseUrl'));
    proxy = await new TcpProxy(db.hostname, Number(db.port || 5432)).start();
    db.host = `127.0.0.1:${proxy.port}`;
    t = await startApp({ ROLE: 'api', DATABASE_URL: db.toString(), WITHINGS_WEBHOOK_SECRET: SECRET });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
  });
  afterEach(() => {
    proxy.restore();
  });
  afterAll(async () => {
    await t.close();
    await proxy.stop();
  });

  it('should answer 503 with Retry-After within 1 s when Postgres refuses connections', async () => {
    expect((await post()).status).toBe(202);
    proxy.cut();
    for (let i = 0; i < 3; i++) {
      expectRefused(await post());
    }
    proxy.restore();
    await expect.poll(async () => (await post()).status, { timeout: 5_000 }).toBe(202);
  });

  it('should answer 503 with Retry-After within 1 s when Postgres stops answering', async () => {
    expect((await post()).status).toBe(202);
    proxy.stall();
    const answers = await Promise.all([post(), post(), post()]);
    answers.forEach(expectRefused);
    expectRefused(await post());
    proxy.restore();
    await expect.poll(async () => (await post()).status, { timeout: 5_000 }).toBe(202);
  });
});
