import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import type { SyncReport } from '../../src/ingestors/sync/sync.service.js';
import { newWithingsUser } from './linking.harness.js';
import {
  eventually,
  linkAndBackfill,
  linkIdle,
  startPipeline,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

const DAY_MS = 86_400_000;
const CHUNKS = 5;
/** Withings chunks by the day: a five-day backfill is five chunks, run two per job (three jobs). */
const PER_JOB = 2;
/** The chunk at which the provider fails once: in the second job, after two chunks were published. */
const FAIL_AT = 2;

/**
 * Resumable backfills: a long window is split into jobs of at most SYNC_BACKFILL_CHUNKS_PER_JOB chunks, each chunk's
 * end is saved in sync_states once published, and a job that fails part-way is retried from the chunk that failed:
 * the provider is not asked again for the chunks before it, and the FHIR server holds no duplicate.
 */
describe('resumable backfill', { timeout: 120_000 }, () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await startPipeline({
      SYNC_INITIAL_LOOKBACK_DAYS: '1',
      SYNC_BACKFILL_CHUNKS_PER_JOB: String(PER_JOB),
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function linkWithings(label: string): Promise<{ linkId: number; ehrUserId: string }> {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    return linkAndBackfill(h, 'withings', label, 60_000);
  }

  it('should show the progress of a backfill that failed for good, and resume it when asked again', async () => {
    const { linkId, ehrUserId } = await linkWithings('status');
    h.withings.resetDataCalls();
    const end = Math.floor(Date.now() / 1000) * 1000;
    const window = {
      windowStart: new Date(end - CHUNKS * DAY_MS).toISOString(),
      windowEnd: new Date(end).toISOString(),
    };
    // Withings status 2554 is not retryable: the second job fails for good after two chunks were published.
    h.withings.failDataFrom(new Date(end - (CHUNKS - FAIL_AT) * DAY_MS), { kind: 'status', status: 2554 });
    await h.t.app.get(LinkJobs).requestSync(linkId, 'initial', window);
    await eventually(() => linkIdle(h, linkId), 'the failed backfill', 60_000);
    const status = async (): Promise<Record<string, unknown>> =>
      (await fetch(`${h.base}/api/base/sync/status/?ehr_user_id=${ehrUserId}&provider=withings`, {
        headers: h.auth,
      }).then((r) => r.json())) as Record<string, unknown>;
    expect(await status()).toMatchObject({
      status: 'failed',
      backfill: { chunks_done: FAIL_AT, chunks_total: CHUNKS },
    });

    // A short sync of the link completing meanwhile (a notification's hour) leaves the backfill's progress alone.
    await h.t.app.get(LinkJobs).requestSync(linkId, 'nightly', {
      windowStart: new Date(end - 3_600_000).toISOString(),
      windowEnd: window.windowEnd,
    });
    await eventually(() => linkIdle(h, linkId), 'the short sync', 30_000);
    expect(await status()).toMatchObject({
      status: 'completed',
      backfill: { chunks_done: FAIL_AT, chunks_total: CHUNKS },
    });

    // The same window asked again (a replay, a new request) starts at the chunk that failed.
    const before = h.withings.dataStarts('/measure getmeas').length;
    await h.t.app.get(LinkJobs).requestSync(linkId, 'initial', window);
    await eventually(() => linkIdle(h, linkId), 'the resumed backfill', 60_000);
    const again = h.withings.dataStarts('/measure getmeas').slice(before);
    expect(again).toEqual(
      Array.from({ length: CHUNKS - FAIL_AT }, (_, i) => (end - (CHUNKS - FAIL_AT - i) * DAY_MS) / 1000),
    );
    const done = await status();
    expect(done).toMatchObject({ status: 'completed' });
    expect(done).not.toHaveProperty('backfill');
  });

  it('should resume a failed backfill at the failed chunk and finish it in bounded jobs, without duplicates', async () => {
    const { linkId, ehrUserId } = await linkWithings('resume');
    h.withings.resetDataCalls();
    // Whole seconds: Withings asks in epoch seconds, so chunk edges inside a second would overlap by one.
    const end = Math.floor(Date.now() / 1000) * 1000;
    const start = end - CHUNKS * DAY_MS;
    const chunkStartS = (i: number): number => Math.floor((start + i * DAY_MS) / 1000);
    // Withings status 522 (timeout) is retryable: the job fails this attempt and BullMQ runs it again.
    h.withings.failDataFrom(new Date(start + FAIL_AT * DAY_MS), { kind: 'status', status: 522 });

    const first = await h.t.app.get(LinkJobs).requestSync(linkId, 'initial', {
      windowStart: new Date(start).toISOString(),
      windowEnd: new Date(end).toISOString(),
    });
    await eventually(() => linkIdle(h, linkId), 'the backfill jobs', 90_000);

    // getmeas is each chunk's first call: the failed chunk was asked twice, every other chunk once.
    const calls = new Map<number, number>();
    for (const s of h.withings.dataStarts('/measure getmeas')) {
      calls.set(s, (calls.get(s) ?? 0) + 1);
    }
    const expected = Array.from({ length: CHUNKS }, (_, i) => [chunkStartS(i), i === FAIL_AT ? 2 : 1]);
    expect([...calls.entries()].sort((a, b) => a[0] - b[0])).toEqual(expected);

    const jobs = (await h.queue(QueueName.UserSync).getJobs(['completed'])).filter(
      (j: Job) => (j.data as { linkId: number }).linkId === linkId && j.name === 'initial',
    );
    const backfill = jobs.filter((j) => j.id === first.id || (j.id ?? '').includes('.after-'));
    expect(backfill).toHaveLength(Math.ceil(CHUNKS / PER_JOB));
    const retried = backfill.filter((j) => j.attemptsMade > 1);
    expect(retried).toHaveLength(1);
    expect(retried[0]?.failedReason).toMatch(/522/);
    expect(retried[0]?.returnvalue).toMatchObject({
      fetches: PER_JOB,
      backfill: { chunksDone: 2 * PER_JOB, chunksTotal: CHUNKS, continues: true },
    });

    // Every identifier once at the FHIR server, although chunk FAIL_AT's records may have been written twice.
    const observations = await h.fhir.search('Observation', { subject: `Patient/${ehrUserId}` });
    expect(observations.length).toBeGreaterThan(0);
    const perIdentifier = new Map<string, number>();
    for (const o of observations) {
      for (const i of o['identifier'] as { system: string; value: string }[]) {
        const key = `${i.system}|${i.value}`;
        perIdentifier.set(key, (perIdentifier.get(key) ?? 0) + 1);
      }
    }
    expect([...perIdentifier.values()].filter((n) => n > 1)).toEqual([]);

    // records_synced counts the whole window, not only its last job's single chunk.
    const last = backfill.find((j) => (j.returnvalue as SyncReport).backfill?.continues === false);
    expect(last).toBeDefined();
    const lastRecords = Object.values((last?.returnvalue as SyncReport | undefined)?.records ?? {});
    const [synced] = await h.t.dataSource.query<{ n: number }[]>(
      `SELECT sum(records_synced)::int AS n FROM sync_states WHERE link_id = $1`,
      [linkId],
    );
    expect(synced?.n).toBeGreaterThan(3 * lastRecords.reduce((a, b) => a + b, 0));

    // Completed: the state covers the window and the resume bookkeeping is gone.
    const states = await h.t.dataSource.query<
      { status: string; synced_through: Date; backfill_start: Date | null }[]
    >(`SELECT status, synced_through, backfill_start FROM sync_states WHERE link_id = $1`, [linkId]);
    expect(states.every((s) => s.status === 'completed' && s.backfill_start === null)).toBe(true);
    expect(Math.min(...states.map((s) => s.synced_through.getTime()))).toBeGreaterThanOrEqual(end - 1_000);
  });
});
