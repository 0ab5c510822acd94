import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { GoogleWebhookSender, type Envelope } from '../simulators/google-health/webhook-sender.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';
import {
  CLIENT_SECRET,
  closedPortUrl,
  inboxHelpers,
  listening,
  newHealthUserId,
  PATH,
  SECRET,
  VERIFY_CODE,
} from './webhooks-fitbit.helpers.js';

describe('Fitbit webhook receiver: Google Health API notifications (inline keyset)', () => {
  let t: TestApp;
  let url: string;
  const sender = new GoogleWebhookSender();
  const { rowsFor, jobCount, queue } = inboxHelpers(() => t);

  /** A linked Fitbit account: its healthUserId and link id. */
  const linked = async (): Promise<{ hid: string; linkId: number }> => {
    const hid = newHealthUserId();
    const user = await createUser(t.dataSource);
    return { hid, linkId: (await createLink(t.dataSource, user, 'fitbit', { externalUserId: hid })).id };
  };
  const pair = (hid: string): Envelope[] => [
    sender.envelope(hid, 'heart-rate', '2026-03-08T01:29:00Z', '2026-03-08T01:34:00Z'),
    sender.envelope(hid, 'steps', '2026-03-08T01:00:00Z', '2026-03-08T02:00:00Z'),
  ];

  beforeAll(async () => {
    t = await startApp({
      ROLE: 'api',
      GOOGLE_HEALTH_WEBHOOK_SECRET: SECRET,
      GOOGLE_HEALTH_WEBHOOK_KEYSET: sender.keysetJson(),
      FITBIT_VERIFICATION_CODE: VERIFY_CODE,
      FITBIT_CLIENT_SECRET: CLIENT_SECRET,
    });
    url = await listening(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("should pass Google's two-POST verification handshake, with and without the Bearer prefix", async () => {
    expect(await sender.verify(url, `Bearer ${SECRET}`)).toEqual({ first: 201, second: 401 });
    expect(await sender.verify(url, SECRET)).toEqual({ first: 201, second: 401 });
    const ok = await t
      .http()
      .post(PATH)
      .set('Authorization', `Bearer ${SECRET}`)
      .send({ type: 'verification' });
    expect(ok.status).toBe(201);
    expect(ok.text).toBe('');
    const wrong = await t
      .http()
      .post('/webhooks/fitbit')
      .set('Authorization', `Bearer ${SECRET}x`)
      .send({ type: 'verification' })
      .expect(401);
    expect(wrong.body).toMatchObject({ error: 'authentication_required', request_id: expect.any(String) });
  });

  it('should store one inbox row and queue one job per envelope of a signed array, then answer 204', async () => {
    const { hid, linkId } = await linked();
    const before = await jobCount();
    const res = await sender.post(url, pair(hid));
    expect(res).toEqual({ status: 204, body: '' });
    const rows = await rowsFor(hid);
    expect(rows).toEqual([
      {
        id: expect.any(String),
        status: 'queued',
        link_id: linkId,
        payload: {
          healthUserId: hid,
          operation: 'UPSERT',
          dataType: 'heart-rate',
          startTime: '2026-03-08T01:29:00Z',
          endTime: '2026-03-08T01:34:00Z',
          intervals: '1',
        },
      },
      expect.objectContaining({ status: 'queued', payload: expect.objectContaining({ dataType: 'steps' }) }),
    ]);
    for (const row of rows) {
      const job = await queue().getJob(row.id);
      expect(job?.data).toEqual({ inboxId: row.id });
      expect(job?.name).toBe('fitbit');
    }
    expect((await jobCount()) - before).toBe(2);
  });

  it('should accept a single envelope object, under either signature header name', async () => {
    const { hid } = await linked();
    const [a, b] = pair(hid);
    expect((await sender.post(url, a!, { header: 'GOOGLE-HEALTH-API-SIGNATURE' })).status).toBe(204);
    expect((await sender.post(url, [b!], { header: 'X-HEALTHAPI-SIGNATURE' })).status).toBe(204);
    expect((await rowsFor(hid)).map((r) => r.payload['dataType'])).toEqual(['heart-rate', 'steps']);
  });

  it('should verify the raw bytes: a pretty-printed body verifies, the same body respaced after signing does not', async () => {
    const { hid } = await linked();
    const text = JSON.stringify(pair(hid), null, 2);
    expect((await sender.postRaw(url, text, { tamper: 'whitespace' })).status).toBe(401);
    expect(await rowsFor(hid)).toEqual([]);
    expect((await sender.postRaw(url, text)).status).toBe(204);
    expect(await rowsFor(hid)).toHaveLength(2);
  });

  it('should keep one row and one job per envelope when the same body arrives five times', async () => {
    const { hid } = await linked();
    const body = JSON.stringify(pair(hid));
    const before = await jobCount();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await sender.postRaw(url, body)).status);
    }
    expect(statuses).toEqual([204, 204, 204, 204, 204]);
    expect(await rowsFor(hid)).toHaveLength(2);
    expect((await jobCount()) - before).toBe(2);
  });

  it.each([
    ['a tampered body', { tamper: true }],
    ['a signature by a key not in the keyset', { wrongKey: true }],
    ['no signature', { unsigned: true }],
    ['a wrong Authorization header', { authorization: 'Bearer not-the-secret-000000' }],
  ])('should refuse %s with 401 and store or queue nothing', async (_, options) => {
    const { hid } = await linked();
    const before = await jobCount();
    const res = await sender.post(url, pair(hid), options);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'authentication_required' });
    expect(await rowsFor(hid)).toEqual([]);
    expect(await jobCount()).toBe(before);
  });

  it('should refuse a signature naming a key id the keyset does not hold, and junk signatures', async () => {
    const { hid } = await linked();
    const stranger = new GoogleWebhookSender();
    expect((await stranger.post(url, pair(hid))).status).toBe(401);
    const junk = await t
      .http()
      .post(PATH)
      .set('X-HEALTHAPI-SIGNATURE', '%%not-base64%%')
      .send(pair(hid))
      .expect(401);
    expect(junk.body).toMatchObject({ error: 'authentication_required' });
    expect(await rowsFor(hid)).toEqual([]);
  });

  it('should accept a matching Authorization header alongside the signature', async () => {
    const { hid } = await linked();
    expect((await sender.post(url, pair(hid), { authorization: `Bearer ${SECRET}` })).status).toBe(204);
    expect(await rowsFor(hid)).toHaveLength(2);
  });

  it('should acknowledge an unknown healthUserId with 204, keep the rows as dropped and queue nothing', async () => {
    const hid = newHealthUserId();
    const before = await jobCount();
    expect((await sender.post(url, pair(hid))).status).toBe(204);
    const rows = await rowsFor(hid);
    expect(rows.map((r) => [r.status, r.link_id])).toEqual([
      ['dropped', null],
      ['dropped', null],
    ]);
    expect(await queue().getJob(rows[0]!.id)).toBeUndefined();
    expect(await jobCount()).toBe(before);
  });

  it('should refuse the whole batch with 400 when an envelope lacks a field, storing nothing', async () => {
    const { hid } = await linked();
    const [good, bad] = pair(hid);
    const broken = { data: { ...bad!.data, healthUserId: undefined } };
    const res = await sender.postRaw(url, JSON.stringify([good, broken]));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'validation_error',
      details: { '[1].data.healthUserId': [expect.any(String)] },
    });
    expect(await rowsFor(hid)).toEqual([]);
    const tooMany = Array.from({ length: 101 }, () => good!);
    expect((await sender.post(url, tooMany)).status).toBe(400);
  });

  it('should answer 415 for a body that is not JSON and 413 for one over 64 KB', async () => {
    const { hid } = await linked();
    const text = JSON.stringify(pair(hid));
    const plain = await sender.postRaw(url, text, { contentType: 'text/plain' });
    expect(plain).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    const big = await sender.post(url, [
      { data: { ...pair(hid)[0]!.data, clientProvidedSubscriptionName: 'x'.repeat(70 * 1024) } },
    ]);
    expect(big).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    expect(await rowsFor(hid)).toEqual([]);
  });
});

describe('Fitbit webhook receiver: keyset fetched from a URL', () => {
  const sender = new GoogleWebhookSender();
  let t: TestApp;
  let url: string;
  const { rowsFor } = inboxHelpers(() => t);

  beforeAll(async () => {
    t = await startApp({ ROLE: 'api', GOOGLE_HEALTH_WEBHOOK_KEYSET_URL: await sender.serveKeyset() });
    url = await listening(t);
  });
  afterAll(async () => {
    await t.close();
    await sender.stop();
  });

  it('should fetch the keyset once, refetch it for a rotated key id, and at most once per minute', async () => {
    const user = await createUser(t.dataSource);
    const hid = newHealthUserId();
    await createLink(t.dataSource, user, 'fitbit', { externalUserId: hid });
    const at = (h: number): string => `2026-03-08T0${h}:00:00Z`;
    const post = (h: number): Promise<{ status: number }> =>
      sender.post(url, [sender.envelope(hid, 'steps', at(h), at(h + 1))]);

    expect((await post(1)).status).toBe(204);
    expect((await post(2)).status).toBe(204);
    expect(sender.keysetFetches).toBe(1);

    sender.rotate();
    expect((await post(3)).status).toBe(204);
    expect(sender.keysetFetches).toBe(2);

    // A second rotation inside the minute: no refetch, so the new key is refused (Google retries later).
    sender.rotate();
    expect((await post(4)).status).toBe(401);
    expect(sender.keysetFetches).toBe(2);
    expect((await rowsFor(hid)).map((r) => r.payload['startTime']).sort()).toEqual([at(1), at(2), at(3)]);
  });

  it('should answer 503 and store nothing when the keyset URL cannot be reached', async () => {
    const down = await startApp({ ROLE: 'api', GOOGLE_HEALTH_WEBHOOK_KEYSET_URL: await closedPortUrl() });
    try {
      const downUrl = await listening(down);
      const hid = newHealthUserId();
      const downQueue = down.app.get<Queue>(getQueueToken(QueueName.Notifications));
      const res = await sender.post(downUrl, [
        sender.envelope(hid, 'steps', '2026-03-08T01:00:00Z', '2026-03-08T02:00:00Z'),
      ]);
      expect(res).toMatchObject({ status: 503, body: { error: 'service_unavailable' } });
      const rows: unknown[] = await down.dataSource.query(
        `SELECT id FROM notification_inbox WHERE payload->>'healthUserId' = $1`,
        [hid],
      );
      expect(rows).toEqual([]);
      expect(Object.values(await downQueue.getJobCounts()).every((n) => n === 0)).toBe(true);
    } finally {
      await down.close();
    }
  });
});
