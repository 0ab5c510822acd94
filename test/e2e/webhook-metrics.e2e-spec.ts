import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TEST_REDIS_URL } from '../support/test-env.js';

const SECRET = 'webhook-metrics-secret-0123456789';
const PATH = `/webhooks/withings/${SECRET}`;
const STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'];

/** The value of one exposed sample, labels given in exposition order; undefined when the series is absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('webhook and queue Prometheus series', () => {
  let t: TestApp;
  const userid = String(100_000 + Math.floor(Math.random() * 800_000));
  const scrape = async (): Promise<string> => (await t.http().get('/api/metrics/metrics/').expect(200)).text;

  beforeAll(async () => {
    t = await startApp({ ROLE: 'api', WITHINGS_WEBHOOK_SECRET: SECRET });
    const user = await createUser(t.dataSource);
    await createLink(t.dataSource, user, 'withings', { externalUserId: userid });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should count webhook requests by provider and status code and time them', async () => {
    const before = await scrape();
    const count = (text: string, status: string): number =>
      sample(text, 'ohe_webhook_requests_total', `provider="withings",status="${status}"`) ?? 0;
    const timed = (text: string): number =>
      sample(text, 'ohe_webhook_processing_time_seconds_count', 'provider="withings"') ?? 0;
    for (let i = 0; i < 3; i++) {
      await t
        .http()
        .post(PATH)
        .type('form')
        .send({ userid, appli: '1', startdate: String(1_690_000_000 + i) })
        .expect(202);
    }
    await t
      .http()
      .post('/webhooks/withings/not-the-secret-0000000000')
      .type('form')
      .send({ userid })
      .expect(404);
    await t.http().post(PATH).type('form').send({ appli: '1' }).expect(400);

    const text = await scrape();
    expect(text).toContain('# TYPE ohe_webhook_requests_total counter');
    expect(text).toContain('# TYPE ohe_webhook_processing_time_seconds histogram');
    expect(count(text, '202') - count(before, '202')).toBe(3);
    expect(count(text, '404') - count(before, '404')).toBe(1);
    expect(count(text, '400') - count(before, '400')).toBe(1);
    expect(timed(text) - timed(before)).toBe(5);
    // Millisecond answers land in the low buckets; the top bucket is one second.
    const le = (bound: string): number | undefined =>
      sample(text, 'ohe_webhook_processing_time_seconds_bucket', `le="${bound}",provider="withings"`);
    expect(le('0.001')).toBeDefined();
    expect(le('1')).toBe(timed(text));
    // Requests to other routes are not webhook requests.
    expect(text).not.toMatch(/ohe_webhook_requests_total\{provider="(?!withings)/);
  });

  it('should report every queue in every state, read from Redis at scrape time', async () => {
    const notifications = t.app.get<Queue>(getQueueToken(QueueName.Notifications));
    const userSync = t.app.get<Queue>(getQueueToken(QueueName.UserSync));
    await notifications.obliterate({ force: true });
    await notifications.add('withings', { inboxId: 'a' }, { jobId: 'metrics-a', priority: 1 });
    await notifications.add('withings', { inboxId: 'b' }, { jobId: 'metrics-b', priority: 1 });
    await notifications.add('withings', { inboxId: 'c' }, { jobId: 'metrics-c' });
    await userSync.add('x', { linkId: 1, strategy: 'nightly' }, { jobId: 'metrics-d', delay: 60_000 });

    const text = await scrape();
    expect(text).toContain('# TYPE ohe_queue_size gauge');
    for (const queue of Object.values(QueueName)) {
      for (const state of STATES) {
        expect(sample(text, 'ohe_queue_size', `queue="${queue}",state="${state}"`)).toEqual(
          expect.any(Number),
        );
      }
    }
    const size = (queue: string, state: string): number | undefined =>
      sample(text, 'ohe_queue_size', `queue="${queue}",state="${state}"`);
    expect(size('notifications', 'prioritized')).toBe(2);
    expect(size('notifications', 'waiting')).toBe(1);
    expect(size('notifications', 'failed')).toBe(0);
    expect(size('user-sync', 'delayed')).toBe(1);

    await notifications.obliterate({ force: true });
    const after = await scrape();
    expect(sample(after, 'ohe_queue_size', 'queue="notifications",state="prioritized"')).toBe(0);
  });
});

describe('queue size gauge with Redis gone', () => {
  let t: TestApp;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const redis = await TcpProxy.inFrontOf(TEST_REDIS_URL, 6379);
    proxy = redis.proxy;
    t = await startApp({ ROLE: 'api', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    proxy.restore();
    await t.close();
    await proxy.stop();
  });

  it('should answer the scrape promptly, keeping the last counts read', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.LinkMaintenance));
    await queue.add('x', { linkId: 1, task: 'ensure_subscriptions' }, { jobId: 'metrics-e' });
    const line = 'ohe_queue_size{queue="link-maintenance",state="waiting"} 1';
    expect((await t.http().get('/api/metrics/metrics/').expect(200)).text).toContain(line);

    proxy.cut();
    const started = Date.now();
    const res = await t.http().get('/api/metrics/metrics/').expect(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.text).toContain(line);
  });
});
