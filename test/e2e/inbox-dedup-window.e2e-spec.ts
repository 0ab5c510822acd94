import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { InboxAcceptor } from '../../src/webhooks/inbox/inbox-acceptor.service.js';
import type { InboxEntry } from '../../src/webhooks/inbox/notification-inbox.repository.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';

interface Row {
  id: string;
  status: string;
  link_id: number | null;
}

const LINKED = `dedup-window-${randomBytes(5).toString('hex')}`;
const entry = (values: Partial<InboxEntry> = {}): InboxEntry => ({
  provider: 'withings',
  dedupKey: randomBytes(32).toString('hex'),
  account: { externalUserId: LINKED },
  payload: { userid: '1', appli: '1' },
  ...values,
});
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Inbox deduplication window', () => {
  let t: TestApp;
  let acceptor: InboxAcceptor;
  let queue: Queue;

  const rowsOf = (dedupKey: string): Promise<Row[]> =>
    t.dataSource.query(
      `SELECT id, status, link_id FROM notification_inbox WHERE dedup_key = $1 ORDER BY received_at`,
      [dedupKey],
    );
  /** Moves every row of the key back in time, as if it had been accepted that long ago. */
  const age = async (app: TestApp, dedupKey: string, by: string): Promise<void> => {
    await app.dataSource.query(
      `UPDATE notification_inbox SET received_at = received_at - $2::interval,
              queued_at = queued_at - $2::interval WHERE dedup_key = $1`,
      [dedupKey, by],
    );
  };

  beforeAll(async () => {
    t = await startApp({ ROLE: 'api' });
    acceptor = t.app.get(InboxAcceptor);
    queue = t.app.get<Queue>(getQueueToken(QueueName.Notifications));
    await createLink(t.dataSource, await createUser(t.dataSource), 'withings', { externalUserId: LINKED });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should drop a repeat inside the window (24 h from the accepted one) with the same answer as before', async () => {
    const e = entry();
    const first = await acceptor.accept(e);
    expect(first).toMatchObject({ inserted: true, queued: true });
    expect(await acceptor.accept(e)).toEqual({ inboxId: first.inboxId, inserted: false, queued: true });
    // Whatever the wall clock: the window starts at the accepted row, so a repeat shortly before its end still matches.
    await age(t, e.dedupKey, '23 hours 59 minutes 50 seconds');
    expect(await acceptor.accept(e)).toEqual({ inboxId: first.inboxId, inserted: false, queued: true });
    expect(await rowsOf(e.dedupKey)).toHaveLength(1);
  });

  it('should accept a repeat after the window as a new row, queue it, and open a new window from it', async () => {
    const e = entry();
    const first = await acceptor.accept(e);
    await age(t, e.dedupKey, '24 hours 1 second');
    const again = await acceptor.accept(e);
    expect(again).toMatchObject({ inserted: true, queued: true });
    expect(again.inboxId).not.toBe(first.inboxId);
    expect((await rowsOf(e.dedupKey)).map((r) => [r.id, r.status])).toEqual([
      [first.inboxId, 'queued'],
      [again.inboxId, 'queued'],
    ]);
    expect((await queue.getJob(again.inboxId))?.data).toEqual({ inboxId: again.inboxId });
    expect(await acceptor.accept(e)).toEqual({ inboxId: again.inboxId, inserted: false, queued: true });
  });

  it('should turn 40 concurrent repeats after the window into one new row and one inserted answer', async () => {
    const e = entry();
    const first = await acceptor.accept(e);
    await age(t, e.dedupKey, '30 hours');
    // Two groups running alongside each other: both compute the same next round, one INSERT wins.
    const early = Array.from({ length: 20 }, () => acceptor.accept(e));
    await nextTurn();
    const late = Array.from({ length: 20 }, () => acceptor.accept(e));
    const answers = await Promise.all([...early, ...late]);
    expect(answers.filter((a) => a.inserted)).toHaveLength(1);
    const ids = new Set(answers.map((a) => a.inboxId));
    expect(ids.size).toBe(1);
    expect(ids.has(first.inboxId)).toBe(false);
    expect(await rowsOf(e.dedupKey)).toHaveLength(2);
  });

  it('should keep a dropped notification dropped inside the window and resolve the link again after it', async () => {
    const account = `dedup-later-${randomBytes(4).toString('hex')}`;
    const e = entry({ account: { externalUserId: account } });
    const first = await acceptor.accept(e);
    expect(first).toMatchObject({ inserted: true, queued: false });
    const link = await createLink(t.dataSource, await createUser(t.dataSource), 'withings', {
      externalUserId: account,
    });
    expect(await acceptor.accept(e)).toEqual({ inboxId: first.inboxId, inserted: false, queued: false });
    await age(t, e.dedupKey, '25 hours');
    const later = await acceptor.accept(e);
    expect(later).toMatchObject({ inserted: true, queued: true });
    expect((await rowsOf(e.dedupKey)).map((r) => [r.status, r.link_id])).toEqual([
      ['dropped', null],
      ['queued', link.id],
    ]);
  });

  it('should follow INBOX_DEDUP_WINDOW_HOURS', async () => {
    const short = await startApp({ ROLE: 'api', INBOX_DEDUP_WINDOW_HOURS: '2' });
    try {
      const accept = short.app.get(InboxAcceptor);
      const e = entry();
      const first = await accept.accept(e);
      await age(short, e.dedupKey, '1 hour 59 minutes');
      expect(await accept.accept(e)).toMatchObject({ inboxId: first.inboxId, inserted: false });
      await age(short, e.dedupKey, '2 minutes');
      expect(await accept.accept(e)).toMatchObject({ inserted: true, queued: true });
    } finally {
      await short.close();
    }
  });
});
