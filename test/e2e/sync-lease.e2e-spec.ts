import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { RedisService } from '../../src/common/redis/redis.service.js';
import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import { LeaseLostError, LinkLock } from '../../src/ingestors/sync/link-lock.js';
import { newWithingsUser } from './linking.harness.js';
import { eventually, linkAndBackfill, startPipeline, type PipelineHarness } from './sync-pipeline.harness.js';

const DAY_MS = 86_400_000;

/**
 * The per-link lease fences publishing: a sync that lost its lease (taken over after expiry, or expired) publishes
 * nothing more and fails retryably, so two syncs of one link never publish at once and nothing is lost.
 */
describe('sync lease fencing', { timeout: 60_000 }, () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await startPipeline({ SYNC_INITIAL_LOOKBACK_DAYS: '1' });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function link(): Promise<number> {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    return (await linkAndBackfill(h, 'withings', 'lease', 40_000)).linkId;
  }

  const leaseKey = (linkId: number): string => h.t.app.get(RedisService).key('link-lock', String(linkId));

  /**
   * Queues a four-day reconciliation of the link (Withings chunks by the day: several publishes) whose first FHIR
   * request is held back, and returns once that request has arrived: the sync is then between two publishes.
   */
  async function syncHeldInFirstPublish(linkId: number): Promise<string> {
    const published = h.fhir.requests.length;
    h.fhir.injectFault({ delayMs: 1_500 });
    const now = Date.now();
    const job = await h.t.app.get(LinkJobs).requestSync(linkId, 'nightly', {
      windowStart: new Date(now - 4 * DAY_MS).toISOString(),
      windowEnd: new Date(now).toISOString(),
    });
    await eventually(() => Promise.resolve(h.fhir.requests.length > published), 'the first publish');
    return job.id ?? '';
  }

  const job = async (id: string): Promise<Job> => {
    const found = await h.queue(QueueName.UserSync).getJob(id);
    if (found === undefined) {
      throw new Error(`job ${id} gone`);
    }
    return found;
  };

  it('should stop publishing once another holder took the link over, and retry after it is done', async () => {
    const linkId = await link();
    const id = await syncHeldInFirstPublish(linkId);
    // What a second worker does once the first one's lease has expired: the key is free, it takes the link.
    await h.t.app.get(RedisService).client.del(leaseKey(linkId));
    const other = await h.t.app.get(LinkLock).acquire(linkId);
    expect(other).toBeDefined();
    const atTakeover = h.fhir.requests.length;
    try {
      const failed = await eventually(async () => {
        const j = await job(id);
        return (j.stacktrace ?? []).length > 0 || j.finishedOn !== undefined ? j : undefined;
      }, 'the first attempt to end');
      expect(failed.failedReason).toMatch(/lease/i);
      // The retry finds the link busy and waits; while the other holder has it, not one more request.
      await new Promise((r) => setTimeout(r, 1_000));
      expect(h.fhir.requests.length).toBe(atTakeover);
      expect(await h.queue(QueueName.UserSync).getJobState(id)).toBe('delayed');
    } finally {
      await other?.release();
    }
    await eventually(async () => (await job(id)).finishedOn !== undefined, 'the retried sync', 30_000);
    const done = await job(id);
    expect(await done.getState()).toBe('completed');
    expect(h.fhir.requests.length).toBeGreaterThan(atTakeover);
    // Through to the end of the window: the resume bookkeeping is cleared with the completed state.
    const progress = await h.t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM sync_states WHERE link_id = $1 AND backfill_start IS NOT NULL`,
      [linkId],
    );
    expect(progress[0]?.n).toBe(0);
  });

  it('should end a sync whose lease expired mid-run as a retryable failure, then complete it', async () => {
    const linkId = await link();
    const id = await syncHeldInFirstPublish(linkId);
    await h.t.app.get(RedisService).client.pexpire(leaseKey(linkId), 1);
    await eventually(async () => (await job(id)).finishedOn !== undefined, 'the retried sync', 30_000);
    const done = await job(id);
    expect(await done.getState()).toBe('completed');
    // BullMQ counts the successful attempt too: one failed attempt, then the retry.
    expect(done.attemptsMade).toBeGreaterThanOrEqual(2);
    expect(done.failedReason).toMatch(/lease/i);
    const [state] = await h.t.dataSource.query<{ t: Date }[]>(
      `SELECT min(synced_through) AS t FROM sync_states WHERE link_id = $1`,
      [linkId],
    );
    expect(state?.t.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('should fence on the token in Redis: a lease whose key changed hands is lost for good', async () => {
    const linkId = await link();
    const lock = h.t.app.get(LinkLock);
    const mine = await lock.acquire(linkId);
    expect(mine).toBeDefined();
    await mine?.assertHeld();
    expect(mine?.held).toBe(true);
    expect(await lock.acquire(linkId)).toBeUndefined();
    await h.t.app.get(RedisService).client.set(leaseKey(linkId), 'someone-else', 'PX', 60_000);
    await expect(mine?.assertHeld()).rejects.toBeInstanceOf(LeaseLostError);
    expect(mine?.held).toBe(false);
    // Releasing a lost lease leaves the new holder's key alone.
    await mine?.release();
    expect(await h.t.app.get(RedisService).client.get(leaseKey(linkId))).toBe('someone-else');
    await h.t.app.get(RedisService).client.del(leaseKey(linkId));
  });
});
