import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { InboxAcceptor, type Acceptance } from '../../src/webhooks/inbox/inbox-acceptor.service.js';
import { InboxBatcher } from '../../src/webhooks/inbox/inbox-batcher.js';
import {
  NotificationInboxRepository,
  type InboxEntry,
} from '../../src/webhooks/inbox/notification-inbox.repository.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';
import { TEST_REDIS_URL } from '../support/test-env.js';

const SECRET = 'inbox-acceptor-secret-0123456789';

interface Row {
  id: string;
  status: string;
  attempts: number;
}

const key = (): string => randomBytes(32).toString('hex');
/** A Withings account with an active link in every app these tests start (created in the first beforeAll). */
const LINKED = `acceptor-${randomBytes(5).toString('hex')}`;
const entry = (values: Partial<InboxEntry> = {}): InboxEntry => ({
  provider: 'withings',
  dedupKey: key(),
  account: { externalUserId: LINKED },
  payload: { userid: '1', appli: '1' },
  ...values,
});
const unknownAccount = { account: { externalUserId: 'nobody-here' } };
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('InboxAcceptor: grouped durable acceptance', () => {
  let t: TestApp;
  let acceptor: InboxAcceptor;
  let repo: NotificationInboxRepository;
  let queue: Queue;

  const rowsOf = (dedupKeys: readonly string[]): Promise<Row[]> =>
    t.dataSource.query(
      `SELECT id, status, attempts FROM notification_inbox WHERE dedup_key = ANY($1) ORDER BY dedup_key`,
      [dedupKeys],
    );
  const jobsOf = async (rows: readonly Row[]): Promise<number> =>
    (await Promise.all(rows.map((r) => queue.getJob(r.id)))).filter((j) => j !== undefined).length;

  beforeAll(async () => {
    t = await startApp({ ROLE: 'api', WITHINGS_WEBHOOK_SECRET: SECRET });
    acceptor = t.app.get(InboxAcceptor);
    repo = t.app.get(NotificationInboxRepository);
    queue = t.app.get<Queue>(getQueueToken(QueueName.Notifications));
    await createLink(t.dataSource, await createUser(t.dataSource), 'withings', { externalUserId: LINKED });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should store and queue 200 concurrent distinct notifications with one INSERT', async () => {
    const entries = Array.from({ length: 200 }, () => entry());
    const before = acceptor.flushCount;
    const answers = await Promise.all(entries.map((e) => acceptor.accept(e)));
    expect(acceptor.flushCount - before).toBe(1);
    expect(answers.every((a) => a.inserted && a.queued)).toBe(true);
    const rows = await rowsOf(entries.map((e) => e.dedupKey));
    expect(rows).toHaveLength(200);
    expect(rows.every((r) => r.status === 'queued' && r.attempts === 1)).toBe(true);
    expect(new Set(answers.map((a) => a.inboxId))).toEqual(new Set(rows.map((r) => r.id)));
    expect(await jobsOf(rows)).toBe(200);
    const job = await queue.getJob(rows[0]!.id);
    expect(job?.name).toBe('withings');
    expect(job?.data).toEqual({ inboxId: rows[0]!.id });
    expect(job?.opts.priority ?? 0).toBe(0);
  });

  it('should group 200 concurrent webhook requests into fewer INSERTs, each answered after its job is queued', async () => {
    const userid = String(100_000 + Math.floor(Math.random() * 800_000));
    const user = await createUser(t.dataSource);
    const link = await createLink(t.dataSource, user, 'withings', { externalUserId: userid });
    await t.app.listen(0, '127.0.0.1');
    const url = `${await t.app.getUrl()}/webhooks/withings/${SECRET}`;
    const start = 1_650_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;
    const before = acceptor.flushCount;
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const body = new URLSearchParams({ userid, appli: '1', startdate: String(start + i) });
        return (await fetch(url, { method: 'POST', body })).status;
      }),
    );
    expect(statuses.filter((s) => s === 202)).toHaveLength(200);
    const flushes = acceptor.flushCount - before;
    expect(flushes).toBeGreaterThan(0);
    expect(flushes).toBeLessThan(200);
    const rows: Row[] = await t.dataSource.query(
      `SELECT id, status, attempts FROM notification_inbox WHERE payload->>'userid' = $1`,
      [userid],
    );
    expect(rows).toHaveLength(200);
    expect(rows.every((r) => r.status === 'queued')).toBe(true);
    expect(await jobsOf(rows)).toBe(200);
    const linked: { n: number }[] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM notification_inbox WHERE payload->>'userid' = $1 AND link_id = $2`,
      [userid, link.id],
    );
    expect(linked[0]?.n).toBe(200);
  });

  it('should resolve each account to its active link in the same statement, or drop the row', async () => {
    const user = await createUser(t.dataSource);
    const other = await createUser(t.dataSource);
    const active = await createLink(t.dataSource, user, 'withings');
    const revoked = await createLink(t.dataSource, other, 'withings', { status: 'revoked' });
    const fitbit = await createLink(t.dataSource, user, 'fitbit');
    const legacy = `LEG${randomBytes(3).toString('hex').toUpperCase()}`;
    await t.dataSource.query(`UPDATE provider_links SET legacy_user_id = $1 WHERE id = $2`, [
      legacy,
      fitbit.id,
    ]);
    const asked: InboxEntry[] = [
      entry({ account: { externalUserId: active.externalUserId } }),
      entry({ account: { externalUserId: revoked.externalUserId } }),
      entry(unknownAccount),
      entry({ provider: 'fitbit', account: { externalUserId: fitbit.externalUserId } }),
      entry({ account: { externalUserId: fitbit.externalUserId } }),
      entry({ provider: 'fitbit', account: { legacyUserId: legacy } }),
    ];
    const answers = await Promise.all(asked.map((e) => acceptor.accept(e)));
    expect(answers.map((a) => a.queued)).toEqual([true, false, false, true, false, true]);
    const rows = await Promise.all(
      asked.map(async (e) => {
        const found: { link_id: number | null; status: string }[] = await t.dataSource.query(
          `SELECT link_id, status FROM notification_inbox WHERE dedup_key = $1`,
          [e.dedupKey],
        );
        return found[0];
      }),
    );
    expect(rows).toEqual([
      { link_id: active.id, status: 'queued' },
      { link_id: null, status: 'dropped' },
      { link_id: null, status: 'dropped' },
      { link_id: fitbit.id, status: 'queued' },
      { link_id: null, status: 'dropped' },
      { link_id: fitbit.id, status: 'queued' },
    ]);
  });

  it('should keep 50 concurrent identical notifications as one row, one job and one inserted answer', async () => {
    const same = entry();
    // Half join the first group, half a second one running alongside it: whichever INSERT commits first
    // creates the row, the other meets it through the unique constraint.
    const first = Array.from({ length: 25 }, () => acceptor.accept(same));
    await nextTurn();
    const later = Array.from({ length: 25 }, () => acceptor.accept(same));
    const answers = await Promise.all([...first, ...later]);
    expect(answers.filter((a) => a.inserted)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.inboxId)).size).toBe(1);
    expect(answers.every((a) => a.queued)).toBe(true);
    const rows = await rowsOf([same.dedupKey]);
    expect(rows).toEqual([{ id: answers[0]!.inboxId, status: 'queued', attempts: 1 }]);
    expect(await jobsOf(rows)).toBe(1);
  });

  it('should never queue dropped rows and re-add the jobs of earlier unfinished rows, in one mixed group', async () => {
    const dropped = entry(unknownAccount);
    const fresh = entry();
    const leftReceived = entry();
    const alreadyQueued = entry();
    // A row whose earlier acceptance stored it but failed to queue, and one queued whose job already ran.
    await t.dataSource.query(
      `INSERT INTO notification_inbox (provider, dedup_key, payload, status)
       VALUES ('withings', $1, '{}', 'received'), ('withings', $2, '{}', 'queued')`,
      [leftReceived.dedupKey, alreadyQueued.dedupKey],
    );
    const [a, b, c, d, e]: Acceptance[] = await Promise.all(
      [dropped, fresh, leftReceived, alreadyQueued, dropped].map((x) => acceptor.accept(x)),
    );
    expect([a, b, c, d, e].map((x) => [x?.inserted, x?.queued])).toEqual([
      [true, false],
      [true, true],
      [false, true],
      [false, true],
      [false, false],
    ]);
    const byKey = async (k: string): Promise<Row | undefined> => (await rowsOf([k]))[0];
    const droppedRow = await byKey(dropped.dedupKey);
    expect(droppedRow).toMatchObject({ status: 'dropped', attempts: 0 });
    expect(await queue.getJob(droppedRow!.id)).toBeUndefined();
    expect(await byKey(fresh.dedupKey)).toMatchObject({ status: 'queued', attempts: 1 });
    // Both earlier rows get their job (again): adding an existing job id is a no-op, a lost one comes back.
    for (const earlier of [leftReceived, alreadyQueued]) {
      const row = await byKey(earlier.dedupKey);
      expect((await queue.getJob(row!.id))?.data).toEqual({ inboxId: row!.id });
    }
  });

  it('should reject only the callers of a group whose INSERT fails, storing none of it', async () => {
    const batcher = new InboxBatcher(repo, queue, { maxBatch: 3, maxInFlight: 1 });
    const good = Array.from({ length: 5 }, () => entry());
    // 65 characters: too long for dedup_key varchar(64), so the whole second group's statement fails.
    const bad = entry({ dedupKey: `${key()}0` });
    const all = [...good.slice(0, 3), good[3]!, bad, good[4]!];
    const outcomes = await Promise.allSettled(all.map((x) => batcher.accept(x)));
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(String((outcomes[4] as PromiseRejectedResult).reason)).toMatch(/too long/);
    expect(batcher.flushCount).toBe(2);
    expect(await rowsOf(good.map((g) => g.dedupKey))).toHaveLength(3);
    // The sender's retry of the rejected ones goes through.
    const retried = await Promise.all([good[3]!, good[4]!].map((x) => batcher.accept(x)));
    expect(retried.every((r) => r.inserted && r.queued)).toBe(true);
  });

  it('should answer as accepted when the jobs cannot be queued, and queue them on a retry', async () => {
    const closed = new Queue(QueueName.Notifications, {
      connection: { url: TEST_REDIS_URL },
      prefix: `${t.config.redisKeyPrefix}:bull`,
    });
    await closed.close();
    const batcher = new InboxBatcher(repo, closed);
    const entries = [entry(), entry()];
    // The rows are committed, so the notifications are safe: Redis failing does not make the sender retry.
    const answers = await Promise.all(entries.map((x) => batcher.accept(x)));
    expect(answers.map((a) => [a.inserted, a.queued])).toEqual([
      [true, true],
      [true, true],
    ]);
    const rows = await rowsOf(entries.map((e) => e.dedupKey));
    // Stored as queued: the reconciler (or a retry, below) re-adds the jobs that never arrived.
    expect(rows.map((r) => r.status)).toEqual(['queued', 'queued']);
    expect(await jobsOf(rows)).toBe(0);
    const retried = await Promise.all(entries.map((x) => acceptor.accept(x)));
    expect(retried.map((r) => [r.inserted, r.queued])).toEqual([
      [false, true],
      [false, true],
    ]);
    expect(await jobsOf(rows)).toBe(2);
  });
});

describe('InboxAcceptor at shutdown', () => {
  it('should answer every pending call before the connections close', async () => {
    const t = await startApp({ ROLE: 'api', WITHINGS_WEBHOOK_SECRET: SECRET });
    await createLink(t.dataSource, await createUser(t.dataSource), 'withings', {
      externalUserId: `${LINKED}-shutdown`,
    });
    const acceptor = t.app.get(InboxAcceptor);
    const entries = Array.from({ length: 50 }, () =>
      entry({ account: { externalUserId: `${LINKED}-shutdown` } }),
    );
    const pending = Promise.all(entries.map((e) => acceptor.accept(e)));
    const closing = t.close();
    const answers = await pending;
    await closing;
    expect(answers.every((a) => a.inserted && a.queued)).toBe(true);
  });
});
