import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { GoogleWebhookSender } from '../simulators/google-health/webhook-sender.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';
import {
  CLIENT_SECRET,
  listening,
  PATH,
  SECRET,
  VERIFY_CODE,
  type InboxRow,
} from './webhooks-fitbit.helpers.js';

describe('Fitbit webhook receiver: legacy Fitbit Web API contract', () => {
  let t: TestApp;

  const sign = (body: string, key: string): string => createHmac('sha1', key).update(body).digest('base64');
  const rowsFor = (ownerId: string): Promise<InboxRow[]> =>
    t.dataSource.query(
      `SELECT id, status, link_id, payload FROM notification_inbox
        WHERE provider = 'fitbit' AND payload->>'ownerId' = $1 ORDER BY payload->>'collectionType'`,
      [ownerId],
    );

  beforeAll(async () => {
    t = await startApp({
      ROLE: 'api',
      FITBIT_VERIFICATION_CODE: VERIFY_CODE,
      FITBIT_CLIENT_SECRET: CLIENT_SECRET,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer the subscriber verification with 204 for the code and 404 otherwise', async () => {
    await t.http().get(`${PATH}?verify=${VERIFY_CODE}`).expect(204);
    await t.http().get(`/webhooks/fitbit?verify=${VERIFY_CODE}`).expect(204);
    const wrong = await t.http().get(`${PATH}?verify=nope`).expect(404);
    expect(wrong.body).toMatchObject({ error: 'not_found' });
    await t.http().get(PATH).expect(404);
  });

  it('should accept notifications signed with "<secret>&": 202 spec body, rows linked by legacy id', async () => {
    const ownerId = `LG${randomBytes(4).toString('hex').toUpperCase()}`;
    const user = await createUser(t.dataSource);
    const link = await createLink(t.dataSource, user, 'fitbit');
    await t.dataSource.query(`UPDATE provider_links SET legacy_user_id = $1 WHERE id = $2`, [
      ownerId,
      link.id,
    ]);
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Notifications));
    const items = ['activities', 'body'].map((collectionType) => ({
      collectionType,
      date: '2023-12-07',
      ownerId,
      ownerType: 'user',
      subscriptionId: user.ehrUserId,
    }));
    const body = JSON.stringify(items);
    const post = (): Promise<{ status: number; body: Record<string, unknown> }> =>
      t
        .http()
        .post(PATH)
        .set('Content-Type', 'application/json')
        .set('X-Fitbit-Signature', sign(body, `${CLIENT_SECRET}&`))
        .send(body);
    const res = await post();
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      status: 'accepted',
      provider: 'fitbit',
      sync_tasks_queued: 2,
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    const rows = await rowsFor(ownerId);
    expect(rows).toEqual([
      {
        id: expect.any(String),
        status: 'queued',
        link_id: link.id,
        payload: { legacy: '1', ownerId, collectionType: 'activities', date: '2023-12-07' },
      },
      expect.objectContaining({
        link_id: link.id,
        payload: expect.objectContaining({ collectionType: 'body' }),
      }),
    ]);
    expect((await queue.getJob(rows[0]!.id))?.data).toEqual({ inboxId: rows[0]!.id });
    const again = await post();
    expect(again.body).toMatchObject({ sync_tasks_queued: 0 });
    expect(await rowsFor(ownerId)).toHaveLength(2);
    // Fitbit names only the day: once the dedup window (24 h) has passed, the same day's notice syncs again.
    await t.dataSource.query(
      `UPDATE notification_inbox SET received_at = received_at - interval '1 day 1 minute'
        WHERE provider = 'fitbit' AND payload->>'ownerId' = $1`,
      [ownerId],
    );
    expect((await post()).body).toMatchObject({ sync_tasks_queued: 2 });
    expect((await post()).body).toMatchObject({ sync_tasks_queued: 0 });
    expect(await rowsFor(ownerId)).toHaveLength(4);
  });

  it('should refuse the HMAC keyed without "&" (the seed’s bug) and a POST with no signature, storing nothing', async () => {
    const ownerId = `LG${randomBytes(4).toString('hex').toUpperCase()}`;
    const body = JSON.stringify([
      { collectionType: 'activities', date: '2023-12-08', ownerId, ownerType: 'user', subscriptionId: '1' },
    ]);
    const noAmp = await t
      .http()
      .post(PATH)
      .set('Content-Type', 'application/json')
      .set('X-Fitbit-Signature', sign(body, CLIENT_SECRET))
      .send(body)
      .expect(401);
    expect(noAmp.body).toMatchObject({ error: 'authentication_required' });
    await t.http().post(PATH).set('Content-Type', 'application/json').send(body).expect(401);
    expect(await rowsFor(ownerId)).toEqual([]);
  });

  it('should keep an unknown owner as dropped and queue nothing', async () => {
    const ownerId = `LG${randomBytes(4).toString('hex').toUpperCase()}`;
    const body = JSON.stringify([
      { collectionType: 'sleep', date: '2023-12-09', ownerId, ownerType: 'user', subscriptionId: '1' },
    ]);
    const res = await t
      .http()
      .post(PATH)
      .set('Content-Type', 'application/json')
      .set('X-Fitbit-Signature', sign(body, `${CLIENT_SECRET}&`))
      .send(body)
      .expect(202);
    expect(res.body).toMatchObject({ sync_tasks_queued: 0 });
    expect((await rowsFor(ownerId)).map((r) => [r.status, r.link_id])).toEqual([['dropped', null]]);
  });
});

describe('Fitbit webhook receiver: nothing configured', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ ROLE: 'api' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should refuse the handshake, every verify code and legacy notifications', async () => {
    const url = await listening(t);
    expect(await new GoogleWebhookSender().verify(url, `Bearer ${SECRET}`)).toEqual({
      first: 401,
      second: 401,
    });
    await t.http().get(`${PATH}?verify=anything-at-all`).expect(404);
    const body = '[]';
    await t
      .http()
      .post(PATH)
      .set('Content-Type', 'application/json')
      .set('X-Fitbit-Signature', createHmac('sha1', '&').update(body).digest('base64'))
      .send(body)
      .expect(401);
  });
});
