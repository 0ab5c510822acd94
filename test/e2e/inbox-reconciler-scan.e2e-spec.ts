import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QueueName, type JobDataByQueue } from '../../src/common/queue/queue-names.js';
import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import { InboxReconciler } from '../../src/webhooks/inbox/inbox-reconciler.service.js';
import { startApp, type TestApp } from '../support/app.js';
import { ownDatabase } from '../support/test-env.js';

/** The reconciler's scan order over a backlog larger than one pass (the defaults: 100 rows a batch, 50 batches). */
describe('Inbox reconciler: large backlogs', { timeout: 120_000 }, () => {
  let db: { url: string; drop: () => Promise<void> };
  let api: TestApp;
  let queue: Queue<JobDataByQueue[QueueName.Notifications]>;
  let reconciler: InboxReconciler;

  beforeAll(async () => {
    // Its own database: a pass scans every stale row of the table.
    db = await ownDatabase('reconscan');
    api = await startApp({ ROLE: 'api', DATABASE_URL: db.url, MIGRATE_ON_START: 'true' });
    queue = api.app.get(getQueueToken(QueueName.Notifications));
  });
  beforeEach(async () => {
    // A fresh reconciler (cursor at the oldest row) over an empty inbox and queue.
    await api.dataSource.query(`DELETE FROM notification_inbox`);
    await queue.drain();
    reconciler = new InboxReconciler(api.dataSource, queue, api.app.get(LinkJobs), { intervalMs: 0 });
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  /**
   * Inserts `n` stale queued rows one second apart (oldest first) without jobs. The `high` oldest rows (or newest,
   * with newestHighIds) get the highest ids, so a scan in id order would reach them last.
   */
  const staleRows = async (n: number, high: number, newestHighIds = false): Promise<string[]> => {
    const rows = await api.dataSource.query<{ id: string }[]>(
      `INSERT INTO notification_inbox (id, provider, dedup_key, link_id, payload, status, received_at, queued_at, attempts)
       SELECT CASE WHEN ($3 AND i > $1 - $2) OR (NOT $3 AND i <= $2)
                   THEN ('ffffffff-ffff-4fff-8fff-' || lpad(($1 - i)::text, 12, '0'))::uuid
                   ELSE gen_random_uuid() END,
              'withings', md5(random()::text || i), 1, '{}'::jsonb, 'queued', t, t, 1
         FROM generate_series(1, $1) AS i, LATERAL (SELECT now() - interval '2 days' + i * interval '1 second') AS x(t)
       RETURNING id`,
      [n, high, newestHighIds],
    );
    return rows.map((r) => r.id);
  };
  const withJobs = async (ids: readonly string[]): Promise<number> => {
    const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
    return jobs.filter((j) => j !== undefined).length;
  };

  it('should reach the oldest stale rows first and every row across passes (5,050 rows, 5,000 a pass)', async () => {
    const ids = await staleRows(5_050, 50);
    const oldest = ids.slice(0, 50);
    const newest = ids.slice(-50);
    const first = await reconciler.reconcileOnce();
    expect(first).toMatchObject({ checked: 5_000, requeued: 5_000 });
    expect(await withJobs(oldest)).toBe(50);
    expect(await withJobs(newest)).toBe(0);
    expect((await reconciler.reconcileOnce()).requeued).toBe(50);
    expect(await withJobs(ids)).toBe(5_050);
  });

  it('should resume after the last row across passes, so rows with live jobs never starve the rest', async () => {
    const ids = await staleRows(5_050, 50, true);
    const newest = ids.slice(-50);
    // The 5,000 oldest rows' jobs are alive (waiting): a pass checks them and leaves them stale.
    await queue.addBulk(
      ids.slice(0, 5_000).map((id) => ({ name: 'withings', data: { inboxId: id }, opts: { jobId: id } })),
    );
    expect(await reconciler.reconcileOnce()).toMatchObject({ checked: 5_000, requeued: 0 });
    const second = await reconciler.reconcileOnce();
    expect(second.requeued).toBe(50);
    expect(await withJobs(newest)).toBe(50);
  });
});
