import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { loadConfig } from '../../src/config/app-config.js';
import { startApp, type TestApp } from '../support/app.js';
import { env, failure } from '../support/config-env.js';
import { createLink, createUser } from '../support/fixtures.js';

const SECRET = 'withings-hook-secret-0123456789';
const PATH = `/webhooks/withings/${SECRET}`;

interface InboxRow {
  id: string;
  status: string;
  link_id: number | null;
  payload: Record<string, string>;
}

describe('Withings webhook receiver', () => {
  let t: TestApp;
  let queue: Queue;
  let linkId: number;
  const userid = String(100_000 + Math.floor(Math.random() * 800_000));
  let window = 1_701_942_000;
  /** A fresh notification window per test, so dedup keys never collide across tests. */
  const nextWindow = (): { startdate: string; enddate: string } => {
    window += 3600;
    return { startdate: String(window), enddate: String(window + 600) };
  };

  const rowsFor = (uid: string, startdate: string): Promise<InboxRow[]> =>
    t.dataSource.query(
      `SELECT id, status, link_id, payload FROM notification_inbox
        WHERE provider = 'withings' AND payload->>'userid' = $1 AND payload->>'startdate' = $2`,
      [uid, startdate],
    );

  beforeAll(async () => {
    t = await startApp({ ROLE: 'api', WITHINGS_WEBHOOK_SECRET: SECRET });
    queue = t.app.get<Queue>(getQueueToken(QueueName.Notifications));
    const user = await createUser(t.dataSource);
    linkId = (await createLink(t.dataSource, user, 'withings', { externalUserId: userid })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer the subscribe-time HEAD probe and echo challenges', async () => {
    await t.http().head(PATH).expect(200);
    await t.http().head('/webhooks/withings/').expect(200);
    const own = await t.http().get(`${PATH}?challenge=abc123`).expect(200);
    expect(own.text).toBe('abc123');
    expect(own.headers['content-type']).toMatch(/^text\/plain/);
    const spec = await t.http().get('/webhooks/withings/?challenge=xyz').expect(200);
    expect(spec.text).toBe('xyz');
  });

  it('should answer 404 for a wrong token, as for an unknown route, and store nothing', async () => {
    const w = nextWindow();
    const res = await t
      .http()
      .post('/webhooks/withings/not-the-secret-token-000')
      .type('form')
      .send({ userid, appli: '1', ...w })
      .expect(404);
    expect(res.body).toMatchObject({ error: 'not_found', request_id: expect.any(String) });
    await t.http().head('/webhooks/withings/not-the-secret-token-000').expect(404);
    expect(await rowsFor(userid, w.startdate)).toEqual([]);
  });

  it.each([
    ['form-encoded', 'form' as const],
    ['JSON', 'json' as const],
  ])('should accept a %s notification: one inbox row, one job with the inbox id only', async (_, type) => {
    const w = nextWindow();
    const body =
      type === 'json'
        ? { userid: Number(userid), appli: 1, startdate: Number(w.startdate), enddate: Number(w.enddate) }
        : { userid, appli: '1', ...w, callbackurl: 'https://x.example/', comment: 'user' };
    const res = await t.http().post(PATH).type(type).send(body).expect(202);
    expect(res.body).toEqual({
      status: 'accepted',
      provider: 'withings',
      sync_tasks_queued: 1,
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const rows = await rowsFor(userid, w.startdate);
    expect(rows).toEqual([
      { id: expect.any(String), status: 'queued', link_id: linkId, payload: { userid, appli: '1', ...w } },
    ]);
    const job = await queue.getJob(rows[0]!.id);
    expect(job?.data).toEqual({ inboxId: rows[0]!.id });
  });

  it('should keep one row and one job when the same notification arrives five times', async () => {
    const w = nextWindow();
    const before = await queue.getJobCounts();
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const res = await t
        .http()
        .post(PATH)
        .type('form')
        .send({ userid, appli: '4', ...w })
        .expect(202);
      answers.push(res.body.sync_tasks_queued as number);
    }
    expect(answers).toEqual([1, 0, 0, 0, 0]);
    const rows = await rowsFor(userid, w.startdate);
    expect(rows).toHaveLength(1);
    const after = await queue.getJobCounts();
    const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
    expect(total(after) - total(before)).toBe(1);
    expect((await queue.getJob(rows[0]!.id))?.data).toEqual({ inboxId: rows[0]!.id });
  });

  it('should accept notifications that differ only by date or deviceid as distinct notifications', async () => {
    const w = nextWindow();
    const send = async (extra: Record<string, string>): Promise<number> =>
      (
        await t
          .http()
          .post(PATH)
          .type('form')
          .send({ userid, appli: '44', ...w, ...extra })
          .expect(202)
      ).body.sync_tasks_queued as number;
    const queued = [];
    const variants: Record<string, string>[] = [
      { date: '2023-12-07' },
      { date: '2023-12-08' },
      { date: '2023-12-08' },
      { deviceid: 'dev-a' },
      { deviceid: 'dev-b' },
    ];
    for (const extra of variants) {
      queued.push(await send(extra));
    }
    expect(queued).toEqual([1, 1, 0, 1, 1]);
    expect(await rowsFor(userid, w.startdate)).toHaveLength(4);
  });

  it('should accept the same notification again once the dedup window has passed', async () => {
    const w = nextWindow();
    const send = async (): Promise<number> =>
      (
        await t
          .http()
          .post(PATH)
          .type('form')
          .send({ userid, appli: '1', ...w })
          .expect(202)
      ).body.sync_tasks_queued as number;
    expect([await send(), await send()]).toEqual([1, 0]);
    // The earlier row moved past the default 24 h window: an edit re-notifying the same window is a new notification.
    await t.dataSource.query(
      `UPDATE notification_inbox SET received_at = received_at - interval '24 hours 1 minute'
        WHERE provider = 'withings' AND payload->>'userid' = $1 AND payload->>'startdate' = $2`,
      [userid, w.startdate],
    );
    expect([await send(), await send()]).toEqual([1, 0]);
    const rows = await rowsFor(userid, w.startdate);
    expect(rows.map((r) => r.status)).toEqual(['queued', 'queued']);
    for (const row of rows) {
      expect((await queue.getJob(row.id))?.data).toEqual({ inboxId: row.id });
    }
  });

  it('should acknowledge an unknown Withings user, queue nothing and keep the row as dropped', async () => {
    const w = nextWindow();
    const stranger = `9${randomBytes(3).readUIntBE(0, 3)}`;
    const res = await t
      .http()
      .post(PATH)
      .type('form')
      .send({ userid: stranger, appli: '1', ...w })
      .expect(202);
    expect(res.body).toMatchObject({ status: 'accepted', provider: 'withings', sync_tasks_queued: 0 });
    const rows = await rowsFor(stranger, w.startdate);
    expect(rows).toEqual([expect.objectContaining({ status: 'dropped', link_id: null })]);
    expect(await queue.getJob(rows[0]!.id)).toBeUndefined();
  });

  it('should refuse a notification without userid with 400 validation_error', async () => {
    const res = await t.http().post(PATH).type('form').send({ appli: '1' }).expect(400);
    expect(res.body).toMatchObject({ error: 'validation_error', message: 'Invalid request data' });
    expect(res.body.details.userid).toEqual([expect.any(String)]);
  });

  it('should refuse a body over 64 KB with 413', async () => {
    const res = await t
      .http()
      .post(PATH)
      .type('form')
      .send({ userid, appli: '1', comment: 'x'.repeat(70 * 1024) })
      .expect(413);
    expect(res.body).toMatchObject({ error: 'payload_too_large' });
  });
});

describe('Withings webhook receiver with a source allow-list', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      ROLE: 'api',
      WITHINGS_WEBHOOK_SECRET: SECRET,
      WITHINGS_WEBHOOK_IP_ALLOWLIST: '89.30.121.0/24, 2001:db8::1',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should read the allow-list and refuse entries that are not IPs or CIDRs at boot', () => {
    const ok = loadConfig(env({ WITHINGS_WEBHOOK_IP_ALLOWLIST: '10.0.0.0/8, ::1' }));
    expect(ok.linking.withings.webhookIpAllowlist).toEqual(['10.0.0.0/8', '::1']);
    for (const bad of ['10.0.0.0/33', 'withings.net', '1.2.3.4/8/1']) {
      expect(failure(env({ WITHINGS_WEBHOOK_IP_ALLOWLIST: bad }))).toContain('WITHINGS_WEBHOOK_IP_ALLOWLIST');
    }
  });

  it('should let an allowed source through (allow-list holding 127.0.0.1)', async () => {
    const open = await startApp({
      ROLE: 'api',
      WITHINGS_WEBHOOK_SECRET: SECRET,
      WITHINGS_WEBHOOK_IP_ALLOWLIST: '127.0.0.0/8,::1',
    });
    try {
      await open.http().head(PATH).expect(200);
    } finally {
      await open.close();
    }
  });

  it('should refuse 127.0.0.1 with 403 and store nothing', async () => {
    const startdate = '1600000123';
    const res = await t
      .http()
      .post(PATH)
      .type('form')
      .send({ userid: '4242', appli: '1', startdate })
      .expect(403);
    expect(res.body).toMatchObject({ error: 'forbidden' });
    const rows: unknown[] = await t.dataSource.query(
      `SELECT id FROM notification_inbox WHERE payload->>'startdate' = $1`,
      [startdate],
    );
    expect(rows).toEqual([]);
  });
});
