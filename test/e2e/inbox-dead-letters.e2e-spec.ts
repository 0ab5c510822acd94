import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { ProviderCallError } from '../../src/ingestors/auth/provider-auth.js';
import { WithingsNotifications } from '../../src/ingestors/withings/withings.notifications.js';
import { startApp, type TestApp } from '../support/app.js';
import { TEST_REDIS_URL } from '../support/test-env.js';
import { createLink, createUser, newEhrUserId } from '../support/fixtures.js';
import { eventually } from './sync-pipeline.harness.js';

const SECRET = 'withings-hook-secret-deadletters-01';
const PATH = `/webhooks/withings/${SECRET}`;
const FAILED = '/api/base/inbox/failed/';
const REPLAY = '/api/base/inbox/failed/replay/';

/** The compiled CLI (`npm run build` first, as every test run does). */
const CLI = 'dist/src/webhooks/inbox/inbox-dead-letters.cli.js';

const idsOf = (page: unknown): string[] => (page as { results: { id: string }[] }).results.map((r) => r.id);

interface Row {
  status: string;
  failure_reason: string | null;
  failed_at: Date | null;
}

describe('Inbox dead letters', { timeout: 60_000 }, () => {
  let t: TestApp;
  let queue: Queue;
  let service: { Authorization: string };
  let patient: { Authorization: string };
  const userid = String(100_000 + Math.floor(Math.random() * 800_000));
  let window = 1_703_000_000;

  /** Posts a fresh Withings weight notification and answers its inbox row id. */
  const accept = async (): Promise<string> => {
    window += 3600;
    const startdate = String(window);
    await t
      .http()
      .post(PATH)
      .type('form')
      .send({ userid, appli: '1', startdate, enddate: String(window + 600) })
      .expect(202);
    const rows = await t.dataSource.query<{ id: string }[]>(
      `SELECT id FROM notification_inbox WHERE payload->>'userid' = $1 AND payload->>'startdate' = $2`,
      [userid, startdate],
    );
    return rows[0]!.id;
  };
  const row = async (id: string): Promise<Row> =>
    (
      await t.dataSource.query<Row[]>(
        `SELECT status, failure_reason, failed_at FROM notification_inbox WHERE id = $1`,
        [id],
      )
    )[0]!;
  const failedCount = async (): Promise<number> => {
    const text = (await t.http().get('/api/metrics/metrics/').expect(200)).text;
    return Number(/^ohe_inbox_failed_total\{provider="withings"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  };
  /** Makes every notification job of this process throw `err` (the cause to fix later is mockRestore). */
  const breakRouting = (err: () => Error) =>
    vi.spyOn(t.app.get(WithingsNotifications), 'interpret').mockImplementation(() => {
      throw err();
    });

  beforeAll(async () => {
    t = await startApp({
      ROLE: 'all',
      WITHINGS_WEBHOOK_SECRET: SECRET,
      SYNC_JOB_ATTEMPTS: '3',
      SYNC_BACKOFF_MS: '20',
      SYNC_SCHEDULES_ENABLED: 'false',
    });
    queue = t.app.get<Queue>(getQueueToken(QueueName.Notifications));
    const user = await createUser(t.dataSource, newEhrUserId('dead'));
    await createLink(t.dataSource, user, 'withings', { externalUserId: userid });
    const keys = t.app.get(ApiKeyService);
    service = { Authorization: `Bearer ${(await keys.create({ name: 'ehr', role: 'service' })).key}` };
    const p = await keys.create({ name: 'patient', role: 'patient', ehrUserId: user.ehrUserId });
    patient = { Authorization: `Bearer ${p.key}` };
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should mark the row failed with a reason and count it once a job has spent every attempt', async () => {
    const before = await failedCount();
    const spy = breakRouting(() => new Error('connect ECONNREFUSED 10.0.0.7:5432'));
    const id = await accept();

    await eventually(async () => (await row(id)).status === 'failed', 'the row to fail');
    expect(spy).toHaveBeenCalledTimes(3);
    const failed = await row(id);
    expect(failed.failure_reason).toBe('error:Error');
    expect(failed.failed_at).toBeInstanceOf(Date);
    expect(await (await queue.getJob(id))?.getState()).toBe('failed');
    expect(await failedCount()).toBe(before + 1);
  });

  it('should fail a permanent error at once, without spending the other attempts', async () => {
    const spy = breakRouting(() => new ProviderCallError('https://wbsapi.example/notify said 400', false));
    const id = await accept();
    await eventually(async () => (await row(id)).status === 'failed', 'the row to fail');
    expect(spy).toHaveBeenCalledTimes(1);
    expect((await row(id)).failure_reason).toBe('provider_rejected');
  });

  it('should list failed rows to a service key only, with filters and paging', async () => {
    breakRouting(() => new ProviderCallError('refused', false));
    const id = await accept();
    await eventually(async () => (await row(id)).status === 'failed', 'the row to fail');

    await t.http().get(FAILED).expect(401);
    const refused = await t.http().get(FAILED).set(patient).expect(403);
    expect(refused.body).toMatchObject({ error: 'forbidden' });
    const since = new Date(Date.now() - 60_000).toISOString();
    const page = await t
      .http()
      .get(FAILED)
      .query({ provider: 'withings', reason: 'provider_rejected', since, limit: 1 })
      .set(service)
      .expect(200);
    expect(page.body.count).toBeGreaterThanOrEqual(1);
    expect(page.body.results).toHaveLength(1);
    expect(page.body.results[0]).toMatchObject({ provider: 'withings', failure_reason: 'provider_rejected' });
    expect(page.body.results[0]).not.toHaveProperty('payload');
    const mine = await t.http().get(FAILED).query({ limit: 100 }).set(service).expect(200);
    expect(idsOf(mine.body)).toContain(id);
    const none = await t
      .http()
      .get(FAILED)
      .query({ until: new Date(Date.now() - 3_600_000).toISOString() })
      .set(service)
      .expect(200);
    expect(idsOf(none.body)).not.toContain(id);
    await t.http().get(FAILED).query({ limit: 0 }).set(service).expect(400);
  });

  it('should replay by id once the cause is fixed: same job id, row queued then processed, audited', async () => {
    breakRouting(() => new ProviderCallError('refused', false));
    const id = await accept();
    await eventually(async () => (await row(id)).status === 'failed', 'the row to fail');
    vi.restoreAllMocks();

    await t
      .http()
      .post(REPLAY)
      .set(patient)
      .send({ ids: [id] })
      .expect(403);
    await t.http().post(REPLAY).set(service).send({}).expect(400);
    const res = await t
      .http()
      .post(REPLAY)
      .set(service)
      .send({ ids: [id] })
      .expect(200);
    expect(res.body).toEqual({ replayed: 1, ids: [id] });

    const job = await eventually(async () => {
      const j = await queue.getJob(id);
      return (await j?.getState()) === 'completed' ? j : undefined;
    }, 'the replayed job');
    expect(job.id).toBe(id);
    expect(job.data).toEqual({ inboxId: id });
    const after = await row(id);
    expect(['routed', 'done']).toContain(after.status);
    expect(after.failure_reason).toBeNull();
    const audit = await t.dataSource.query<{ actor: string; provider: string }[]>(
      `SELECT actor, provider FROM audit_events WHERE action = 'inbox.replayed' AND details->>'inbox_id' = $1`,
      [id],
    );
    expect(audit).toEqual([{ actor: expect.stringMatching(/^api_key:/), provider: 'withings' }]);
    // A second replay finds nothing failed under that id.
    expect(
      (
        await t
          .http()
          .post(REPLAY)
          .set(service)
          .send({ ids: [id] })
          .expect(200)
      ).body.replayed,
    ).toBe(0);
  });

  it('should replay every failed row of a provider with {all: true}', async () => {
    breakRouting(() => new ProviderCallError('refused', false));
    const ids = [await accept(), await accept()];
    await eventually(
      async () => (await Promise.all(ids.map(row))).every((r) => r.status === 'failed'),
      'the rows to fail',
    );
    vi.restoreAllMocks();
    const res = await t
      .http()
      .post(REPLAY)
      .set(service)
      .send({ all: true, provider: 'withings' })
      .expect(200);
    expect(res.body.ids).toEqual(expect.arrayContaining(ids));
    await eventually(
      async () =>
        (await Promise.all(ids.map(row))).every((r) => r.status !== 'failed' && r.status !== 'queued'),
      'the replayed rows',
    );
  });

  it('should list and replay from the CLI, printing a summary', async () => {
    breakRouting(() => new ProviderCallError('refused', false));
    const id = await accept();
    await eventually(async () => (await row(id)).status === 'failed', 'the row to fail');
    vi.restoreAllMocks();
    const cli = async (...args: string[]): Promise<string> =>
      (
        await promisify(execFile)('node', [CLI, ...args], {
          env: {
            PATH: process.env['PATH'],
            DATABASE_URL: t.config.databaseUrl,
            REDIS_URL: TEST_REDIS_URL,
            REDIS_KEY_PREFIX: t.config.redisKeyPrefix,
          },
        })
      ).stdout;

    const listed = await cli(
      'list',
      '--provider',
      'withings',
      '--reason',
      'provider_rejected',
      '--limit',
      '100',
    );
    expect(listed).toContain(`${id}  withings  provider_rejected`);
    expect(listed).toMatch(/^\d+ failed notification\(s\); \d+ shown from offset 0$/m);
    expect(await cli('replay', '--ids', id)).toBe(`Replayed 1 notification(s): ${id}\n`);
    await eventually(async () => !['failed', 'queued'].includes((await row(id)).status), 'the replayed row');
    const audit = await t.dataSource.query<{ actor: string }[]>(
      `SELECT actor FROM audit_events WHERE action = 'inbox.replayed' AND details->>'inbox_id' = $1`,
      [id],
    );
    expect(audit).toEqual([{ actor: expect.stringMatching(/^cli:/) }]);
  });
});
