import type { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName, type JobDataByQueue } from '../../src/common/queue/queue-names.js';
import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import { SyncScheduleProcessor } from '../../src/ingestors/processors/sync-schedule.processor.js';
import { SYNC_SCHEDULES } from '../../src/ingestors/schedules.js';
import { LinkLock } from '../../src/ingestors/sync/link-lock.js';
import { newEhrUserId } from '../support/fixtures.js';
import { newWithingsUser } from './linking.harness.js';
import {
  eventually,
  linkAndBackfill,
  linkIdle,
  startPipeline,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

async function removeJobsOfOtherLinks(queue: Queue<JobDataByQueue[QueueName.UserSync]>, linkId: number) {
  for (;;) {
    const others = (await queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, 199)).filter(
      (j) => j.data.linkId !== linkId,
    );
    if (others.length === 0) {
      return;
    }
    await Promise.all(others.map((j) => j.remove().catch(() => undefined)));
  }
}

interface Linked {
  readonly userid: number;
  readonly ehrUserId: string;
  readonly linkId: number;
}

describe(
  'sync jobs: device sync endpoint, schedules, per-link serialization, metrics',
  { timeout: 60_000 },
  () => {
    let h: PipelineHarness;

    beforeAll(async () => {
      h = await startPipeline({ SYNC_INITIAL_LOOKBACK_DAYS: '1' });
    });
    afterAll(async () => {
      await h.stop();
    });

    async function link(): Promise<Linked> {
      const userid = newWithingsUser(h.withings);
      h.withings.approveNext(userid);
      return { userid, ...(await linkAndBackfill(h, 'withings', 'jobs', 40_000)) };
    }

    const triggerDeviceSync = (body: Record<string, string>) =>
      fetch(`${h.base}/api/base/sync/trigger_device_sync/`, {
        method: 'POST',
        headers: { ...h.auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('should run a real device sync and answer the spec body with real counts', async () => {
      const l = await link();
      const before = await h.fhir.search('DeviceAssociation', { subject: `Patient/${l.ehrUserId}` });
      expect(before.length).toBeGreaterThan(0);
      const again = await triggerDeviceSync({ ehr_user_id: l.ehrUserId, provider: 'withings' });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({
        message: 'Device sync completed',
        sync_id: expect.stringMatching(/^device-sync-\d{8}-\d{6}$/),
        ehr_user_id: l.ehrUserId,
        provider: 'withings',
        devices_processed: before.length,
        associations_created: 0,
        success: true,
        errors: [],
      });

      h.fhir.reset();
      const fresh = await triggerDeviceSync({ ehr_user_id: l.ehrUserId, provider: 'withings' });
      const body = (await fresh.json()) as { devices_processed: number; associations_created: number };
      expect(body.associations_created).toBe(body.devices_processed);
      const devices = await h.fhir.search('Device', {});
      expect(devices.length).toBe(body.devices_processed);
      expect(devices.every((d) => (d['displayName'] as string | undefined) !== undefined)).toBe(true);
    });

    it('should refuse device syncs it cannot run: unknown provider 400, no link 404', async () => {
      expect((await triggerDeviceSync({ ehr_user_id: newEhrUserId(), provider: 'garmin' })).status).toBe(400);
      expect((await triggerDeviceSync({ ehr_user_id: newEhrUserId(), provider: 'withings' })).status).toBe(
        404,
      );
      expect((await triggerDeviceSync({ provider: 'withings' })).status).toBe(400);
    });

    it('should register the schedules idempotently and fan a tick out to every active link', async () => {
      const l = await link();
      const scheduler = h.t.app.get(SyncScheduleProcessor);
      await scheduler.registerSchedules();
      await scheduler.registerSchedules();
      const schedulers = await h.queue(QueueName.SyncSchedules).getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual(
        SYNC_SCHEDULES.map((s) => [s.key, s.cron, 'UTC']).sort(),
      );

      const [before] = await h.t.dataSource.query<{ t: Date }[]>(
        `SELECT max(synced_through) AS t FROM sync_states WHERE link_id = $1`,
        [l.linkId],
      );
      await h.queue(QueueName.SyncSchedules).add('daily', { schedule: 'daily' });
      await eventually(async () => {
        const [after] = await h.t.dataSource.query<{ t: Date }[]>(
          `SELECT max(synced_through) AS t FROM sync_states WHERE link_id = $1`,
          [l.linkId],
        );
        return after !== undefined && before !== undefined && after.t > before.t;
      }, 'the daily sync of the link');
      await eventually(() => linkIdle(h, l.linkId), 'the fan-out to settle', 40_000);
    });

    it('should keep one waiting sync per link and strategy, and run one sync per link at a time', async () => {
      const l = await link();
      const jobs = h.t.app.get(LinkJobs);
      const syncs = h.queue(QueueName.UserSync) as Queue<JobDataByQueue[QueueName.UserSync]>;
      const lease = await h.t.app.get(LinkLock).acquire(l.linkId);
      expect(lease).toBeDefined();
      let jobId = '';
      try {
        const added = await Promise.all([1, 2, 3, 4, 5].map(() => jobs.requestSync(l.linkId, 'incremental')));
        expect(new Set(added.map((j) => j.id)).size).toBe(1);
        jobId = added[0]?.id ?? '';
        // The link is busy (the lease above): the job is put back, delayed, with no attempt spent.
        const delayed = await eventually(
          async () => (await syncs.getDelayed()).find((j) => j.id === jobId),
          'the job to be delayed',
        );
        expect(delayed.attemptsMade).toBe(0);
      } finally {
        await lease?.release();
      }
      await eventually(
        async () => (await syncs.getJobState(jobId)) === 'completed',
        'the sync after the lease',
      );
    });

    it('should queue the weekly reconciliation of a link whose nightly sync is still waiting', async () => {
      const l = await link();
      const syncs = h.queue(QueueName.UserSync) as Queue<JobDataByQueue[QueueName.UserSync]>;
      // The fan-out queues a job for every active link of the shared database: read the queue page by page.
      const mine = async () => {
        const found: Job<JobDataByQueue[QueueName.UserSync]>[] = [];
        for (let start = 0; ; start += 200) {
          const page = await syncs.getJobs(['waiting', 'prioritized'], start, start + 199);
          found.push(...page.filter((j) => j.data.linkId === l.linkId));
          if (page.length < 200) {
            return found;
          }
        }
      };
      // No worker takes a sync meanwhile: the nightly job stays waiting, as it does behind a long queue.
      await syncs.pause();
      const queued: Job<JobDataByQueue[QueueName.UserSync]>[] = [];
      try {
        await h.t.app.get(LinkJobs).requestSync(l.linkId, 'nightly', { requestId: 'nightly-tick' });
        const weekly = await h.queue(QueueName.SyncSchedules).add('weekly', { schedule: 'weekly' });
        await eventually(
          async () => (await h.queue(QueueName.SyncSchedules).getJobState(weekly.id ?? '')) === 'completed',
          'the weekly fan-out',
        );
        queued.push(...(await mine()));
        expect(queued.map((j) => j.data.requestId ?? '').sort()).toEqual([
          'nightly-tick',
          expect.stringMatching(/^schedule-weekly-/),
        ]);
        const week = queued.find((j) => j.data.requestId !== 'nightly-tick')?.data;
        const span = Date.parse(week?.windowEnd ?? '') - Date.parse(week?.windowStart ?? '');
        expect(span).toBe(7 * 86_400_000);
        // A second weekly tick while the first is still waiting adds nothing: one waiting per (link, strategy).
        const again = await h.queue(QueueName.SyncSchedules).add('weekly', { schedule: 'weekly' });
        await eventually(
          async () => (await h.queue(QueueName.SyncSchedules).getJobState(again.id ?? '')) === 'completed',
          'the second fan-out',
        );
        expect((await mine()).length).toBe(2);
        // Every other link of the shared database got a weekly job too; only this link's two are wanted here.
        await removeJobsOfOtherLinks(syncs, l.linkId);
      } finally {
        await syncs.resume();
      }
      // Both run, one after the other under the link's lease (not linkIdle: every other link has a job too).
      for (const job of queued) {
        await eventually(async () => (await job.getState()) === 'completed', `the ${job.name} sync`, 40_000);
      }
    });

    it('should expose sync, data-point and provider metrics where the work ran', async () => {
      const text = await (await fetch(`${h.base}/api/metrics/metrics`)).text();
      expect(text).toMatch(
        /ohe_sync_operations_total\{provider="withings",operation_type="weight_fetch",status="success"\} [1-9]/,
      );
      expect(text).toMatch(
        /ohe_data_points_processed_total\{provider="withings",data_type="heart_rate"\} [1-9]/,
      );
      expect(text).toMatch(
        /ohe_sync_duration_seconds_bucket\{le="[^"]+",provider="withings",operation_type="initial_sync"\}/,
      );
      expect(text).toMatch(
        /ohe_provider_api_requests_total\{provider="withings",operation="getmeas",status="success"\} [1-9]/,
      );
    });
  },
);
