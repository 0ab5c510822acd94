import { getQueueToken } from '@nestjs/bullmq';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Queue } from 'bullmq';
import type { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionService } from '../../src/common/retention/retention.service.js';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { MaintenanceProcessor } from '../../src/ingestors/processors/maintenance.processor.js';
import { METRIC } from '../../src/metrics/metric-names.js';
import { startApp, type TestApp } from '../support/app.js';
import { ownDatabase } from '../support/test-env.js';

type Table = 'notification_inbox' | 'audit_events';

/**
 * A database of its own: the purge deletes every old finished row, and exact counts must not depend on the rows
 * other test files write at the same time.
 */
describe('Retention purge', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  let counter: Counter<'table'>;

  const purged = async (table: Table): Promise<number> =>
    (await counter.get()).values.find((v) => v.labels.table === table)?.value ?? 0;
  const addInbox = async (status: string, ageDays: number, n: number): Promise<void> => {
    await t.dataSource.query(
      `INSERT INTO notification_inbox (provider, dedup_key, payload, status, received_at)
       SELECT 'withings', md5(random()::text) || md5(random()::text), '{}', $1, now() - make_interval(days => $2)
         FROM generate_series(1, $3)`,
      [status, ageDays, n],
    );
  };
  const addAudit = async (ageDays: number, n: number): Promise<void> => {
    await t.dataSource.query(
      `INSERT INTO audit_events (actor, action, at)
       SELECT 'system', 'test.event', now() - make_interval(days => $1) FROM generate_series(1, $2)`,
      [ageDays, n],
    );
  };
  const inboxLeft = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (
        await t.dataSource.query<{ k: string; n: number }[]>(
          `SELECT status || '/' || CASE WHEN received_at < now() - interval '10 days' THEN 'old' ELSE 'new' END AS k,
                  count(*)::int AS n
             FROM notification_inbox GROUP BY 1`,
        )
      ).map((r) => [r.k, r.n]),
    );
  const auditLeft = async (): Promise<number> =>
    (await t.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM audit_events`))[0]!.n;
  const empty = async (): Promise<void> => {
    await t.dataSource.query(`TRUNCATE notification_inbox, audit_events`);
  };

  beforeAll(async () => {
    db = await ownDatabase('retention');
    t = await startApp({
      ROLE: 'worker',
      DATABASE_URL: db.url,
      MIGRATE_ON_START: 'true',
      INBOX_RETENTION_DAYS: '10',
      AUDIT_RETENTION_DAYS: '30',
    });
    counter = t.app.get<Counter<'table'>>(getToken(METRIC.retentionPurgedRows));
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  it('should purge old done and dropped rows and old audit events in batches, keeping newer and unfinished ones', async () => {
    await empty();
    await addInbox('done', 11, 7);
    await addInbox('dropped', 40, 5);
    for (const unfinished of ['received', 'queued', 'routed']) {
      await addInbox(unfinished, 11, 2);
    }
    await addInbox('done', 9, 3);
    await addInbox('dropped', 9, 1);
    await addAudit(31, 4);
    await addAudit(29, 2);
    const before = { inbox: await purged('notification_inbox'), audit: await purged('audit_events') };

    const service = new RetentionService(t.dataSource, t.config, counter, { batchSize: 5 });
    expect(await service.purge()).toEqual([
      // 12 rows, 5 a statement: 5 + 5 + 2, the short batch ends the loop.
      { table: 'notification_inbox', rows: 12, statements: 3 },
      { table: 'audit_events', rows: 4, statements: 1 },
    ]);
    expect(await inboxLeft()).toEqual({
      'received/old': 2,
      'queued/old': 2,
      'routed/old': 2,
      'done/new': 3,
      'dropped/new': 1,
    });
    expect(await auditLeft()).toBe(2);
    expect((await purged('notification_inbox')) - before.inbox).toBe(12);
    expect((await purged('audit_events')) - before.audit).toBe(4);
    // Nothing left to purge: one statement per table, nothing counted.
    expect(await service.purge()).toEqual([
      { table: 'notification_inbox', rows: 0, statements: 1 },
      { table: 'audit_events', rows: 0, statements: 1 },
    ]);
    expect((await purged('notification_inbox')) - before.inbox).toBe(12);
  });

  it('should loop batches until every old row is gone when exactly a batch multiple is due', async () => {
    await empty();
    await addInbox('done', 12, 10);
    const service = new RetentionService(t.dataSource, t.config, counter, { batchSize: 5 });
    expect((await service.purge())[0]).toEqual({ table: 'notification_inbox', rows: 10, statements: 3 });
    expect(await inboxLeft()).toEqual({});
  });

  it('should register the daily retention job once per deployment and purge when it runs', async () => {
    await empty();
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Maintenance));
    const processor = t.app.get(MaintenanceProcessor);
    // Registered at worker start already; more workers (or restarts) registering it leave one scheduler.
    await processor.registerSchedules();
    await processor.registerSchedules();
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual([
      ['retention', '30 4 * * *', 'UTC'],
      ['subscriptions', '0 2 * * *', 'UTC'],
    ]);

    await addInbox('dropped', 11, 3);
    await addAudit(31, 2);
    const before = await purged('notification_inbox');
    const job = await queue.add('retention', { task: 'retention' });
    const deadline = Date.now() + 15_000;
    while ((await job.getState()) !== 'completed') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await inboxLeft()).toEqual({});
    expect(await auditLeft()).toBe(0);
    expect((await purged('notification_inbox')) - before).toBe(3);
    const metrics = await t.http().get('/api/metrics/metrics/').expect(200);
    expect(metrics.text).toContain('# TYPE ohe_retention_purged_rows_total counter');
    expect(metrics.text).toMatch(/ohe_retention_purged_rows_total\{table="audit_events"\} \d+/);
  });
});
