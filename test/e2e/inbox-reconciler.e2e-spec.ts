import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import { getQueueToken } from '@nestjs/bullmq';
import { UnrecoverableError, Worker, type Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueName, type JobDataByQueue } from '../../src/common/queue/queue-names.js';
import { InboxReconciler, type ReconcileCounts } from '../../src/webhooks/inbox/inbox-reconciler.service.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';
import { ownDatabase } from '../support/test-env.js';

const SECRET = 'withings-hook-secret-reconciler-0123';
const PATH = `/webhooks/withings/${SECRET}`;

/** A pass's counts: the ones given, zero for the rest. */
const counts = (some: Partial<ReconcileCounts>): ReconcileCounts => ({
  checked: 0,
  requeued: 0,
  alive: 0,
  failed: 0,
  resynced: 0,
  ...some,
});

interface Row {
  id: string;
  status: string;
  attempts: number;
  queued_at: Date | null;
}

describe('Inbox reconciler', () => {
  let db: { url: string; drop: () => Promise<void> };
  let api: TestApp;
  let queue: Queue<JobDataByQueue[QueueName.Notifications]>;
  let reconciler: InboxReconciler;
  const userid = String(100_000 + Math.floor(Math.random() * 800_000));
  let window = 1_702_000_000;
  /** Every row a test made stale; finished after each test so the next test's counts are its own. */
  let touched: string[] = [];

  /** Posts a fresh Withings notification (new dedup key) and answers its inbox row id. */
  const accept = async (uid = userid): Promise<string> => {
    window += 3600;
    const startdate = String(window);
    await api
      .http()
      .post(PATH)
      .type('form')
      .send({ userid: uid, appli: '1', startdate, enddate: String(window + 600) })
      .expect(202);
    const rows = await api.dataSource.query<{ id: string }[]>(
      `SELECT id FROM notification_inbox WHERE payload->>'userid' = $1 AND payload->>'startdate' = $2`,
      [uid, startdate],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!.id;
  };
  const row = async (id: string): Promise<Row> =>
    (
      await api.dataSource.query<Row[]>(
        `SELECT id, status, attempts, queued_at FROM notification_inbox WHERE id = $1`,
        [id],
      )
    )[0]!;
  /** Moves the row's last queue time ten minutes into the past (older than the five-minute stale age). */
  const age = async (...ids: string[]): Promise<void> => {
    touched.push(...ids);
    await api.dataSource.query(
      `UPDATE notification_inbox SET received_at = received_at - interval '10 minutes',
              queued_at = queued_at - interval '10 minutes' WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  };
  /** Simulates Redis losing the job. */
  const loseJob = async (id: string): Promise<void> => {
    await (await queue.getJob(id))?.remove();
    expect(await queue.getJob(id)).toBeUndefined();
  };
  const newReconciler = (): InboxReconciler =>
    new InboxReconciler(api.dataSource, queue, api.app.get(LinkJobs), { intervalMs: 0 });

  beforeAll(async () => {
    // Its own database: a pass scans every stale row, and other files leave stale rows of their own.
    db = await ownDatabase('reconciler');
    api = await startApp({
      ROLE: 'api',
      WITHINGS_WEBHOOK_SECRET: SECRET,
      DATABASE_URL: db.url,
      MIGRATE_ON_START: 'true',
    });
    queue = api.app.get<Queue<JobDataByQueue[QueueName.Notifications]>>(
      getQueueToken(QueueName.Notifications),
    );
    const user = await createUser(api.dataSource);
    await createLink(api.dataSource, user, 'withings', { externalUserId: userid });
    reconciler = newReconciler();
  });
  afterEach(async () => {
    await api.dataSource.query(`UPDATE notification_inbox SET status = 'done' WHERE id = ANY($1::uuid[])`, [
      touched,
    ]);
    touched = [];
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('should re-add a lost job with the same id and data {inboxId}, and bump attempts and queued_at', async () => {
    const id = await accept();
    expect(await row(id)).toMatchObject({ status: 'queued', attempts: 1 });
    await loseJob(id);
    await age(id);

    const before = Date.now();
    expect(await reconciler.reconcileOnce()).toEqual(counts({ checked: 1, requeued: 1 }));

    const job = await queue.getJob(id);
    expect(job?.id).toBe(id);
    expect(job?.name).toBe('withings');
    expect(job?.data).toEqual({ inboxId: id });
    expect(await job?.getState()).toBe('waiting');
    const after = await row(id);
    expect(after).toMatchObject({ status: 'queued', attempts: 2 });
    expect(after.queued_at!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    // Re-queued rows are fresh again: a second pass checks nothing.
    expect(await reconciler.reconcileOnce()).toEqual(counts({}));
  });

  it('should queue a row left received when the add never happened', async () => {
    const id = await accept();
    await loseJob(id);
    await api.dataSource.query(
      `UPDATE notification_inbox SET status = 'received', queued_at = NULL, attempts = 0 WHERE id = $1`,
      [id],
    );
    await age(id);
    expect(await reconciler.reconcileOnce()).toEqual(counts({ checked: 1, requeued: 1 }));
    expect((await queue.getJob(id))?.data).toEqual({ inboxId: id });
    expect(await row(id)).toMatchObject({ status: 'queued', attempts: 1, queued_at: expect.any(Date) });
  });

  it('should leave a stale row alone while its job still exists', async () => {
    const id = await accept();
    await age(id);
    const stale = await row(id);
    const jobBefore = await queue.getJob(id);
    expect(await reconciler.reconcileOnce()).toEqual(counts({ checked: 1, alive: 1 }));
    expect(await row(id)).toEqual(stale);
    const jobAfter = await queue.getJob(id);
    expect(jobAfter?.timestamp).toBe(jobBefore?.timestamp);
  });

  it('should not touch rows younger than the stale age, even without a job', async () => {
    const id = await accept();
    await loseJob(id);
    const fresh = await row(id);
    expect(await reconciler.reconcileOnce()).toEqual(counts({}));
    expect(await row(id)).toEqual(fresh);
    expect(await queue.getJob(id)).toBeUndefined();
    // The same row is picked up once it is older than the stale age. (Not via a future `now`: that would also
    // reach the fresh rows of test files running in parallel on the same database.)
    await age(id);
    expect(await reconciler.reconcileOnce()).toEqual(counts({ checked: 1, requeued: 1 }));
    expect((await queue.getJob(id))?.data).toEqual({ inboxId: id });
  });

  it('should never re-queue failed rows, and fail a stale row whose job sits in the failed set', async () => {
    const failed = await accept();
    await loseJob(failed);
    await api.dataSource.query(
      `UPDATE notification_inbox SET status = 'failed', failure_reason = 'provider_rejected', failed_at = now()
        WHERE id = $1`,
      [failed],
    );
    await queue.drain();
    const dead = await accept();
    // What a worker that died before recording the failure leaves: the job failed, the row still queued.
    const worker = new Worker(QueueName.Notifications, undefined, {
      connection: queue.opts.connection,
      prefix: queue.opts.prefix,
    });
    try {
      const job = await worker.getNextJob('dead-worker');
      expect(job.id).toBe(dead);
      await job.moveToFailed(new UnrecoverableError('connect ECONNREFUSED 10.0.0.7'), 'dead-worker', false);
    } finally {
      await worker.close();
    }
    await age(failed, dead);

    expect(await reconciler.reconcileOnce()).toEqual(counts({ checked: 1, failed: 1 }));
    expect(await queue.getJob(failed)).toBeUndefined();
    expect(await row(failed)).toMatchObject({ status: 'failed', attempts: 1 });
    const rows = await api.dataSource.query<{ status: string; failure_reason: string }[]>(
      `SELECT status, failure_reason FROM notification_inbox WHERE id = $1`,
      [dead],
    );
    expect(rows[0]).toEqual({ status: 'failed', failure_reason: 'job_failed' });
  });

  it('should never re-queue done or dropped rows', async () => {
    const done = await accept();
    await loseJob(done);
    await api.dataSource.query(`UPDATE notification_inbox SET status = 'done' WHERE id = $1`, [done]);
    const dropped = await accept(`9${randomBytes(3).readUIntBE(0, 3)}`);
    expect(await row(dropped)).toMatchObject({ status: 'dropped', attempts: 0 });
    await age(done, dropped);

    expect(await reconciler.reconcileOnce()).toEqual(counts({}));
    expect(await queue.getJob(done)).toBeUndefined();
    expect(await queue.getJob(dropped)).toBeUndefined();
    expect(await row(done)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await row(dropped)).toMatchObject({ status: 'dropped', attempts: 0 });
  });

  it('should re-add each lost job exactly once when passes run concurrently, across batches', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(await accept());
    }
    const live = await accept();
    for (const id of ids) {
      await loseJob(id);
    }
    await age(...ids, live);
    const before = await queue.getJobCounts();

    // Separate instances, small batches: the passes interleave over several transactions each.
    const passes = [0, 1, 2].map(
      () =>
        new InboxReconciler(api.dataSource, queue, api.app.get(LinkJobs), { intervalMs: 0, batchSize: 2 }),
    );
    const results = await Promise.all(passes.map((p) => p.reconcileOnce()));

    expect(results.reduce((n, r) => n + r.requeued, 0)).toBe(ids.length);
    const after = await queue.getJobCounts();
    const total = (c: Record<string, number>): number => Object.values(c).reduce((a, b) => a + b, 0);
    expect(total(after) - total(before)).toBe(ids.length);
    for (const id of ids) {
      expect(await row(id)).toMatchObject({ status: 'queued', attempts: 2 });
      expect((await queue.getJob(id))?.data).toEqual({ inboxId: id });
    }
    expect(await row(live)).toMatchObject({ attempts: 1 });
  });

  it('should be bound in a worker process (same Redis prefix) and not in an api process', async () => {
    expect(() => api.app.get(InboxReconciler)).toThrow();
    // The worker's own processors would lock the job before the test can lose it; a paused queue keeps it waiting.
    await queue.pause();
    const worker = await startApp({
      ROLE: 'worker',
      REDIS_KEY_PREFIX: api.config.redisKeyPrefix,
      DATABASE_URL: db.url,
    });
    try {
      const id = await accept();
      await loseJob(id);
      await age(id);
      const bound = worker.app.get(InboxReconciler);
      expect(await bound.reconcileOnce()).toEqual(counts({ checked: 1, requeued: 1 }));
      expect((await queue.getJob(id))?.data).toEqual({ inboxId: id });
    } finally {
      await worker.close();
      await queue.resume();
    }
  });
});
