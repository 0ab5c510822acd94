import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { expectErrorBody, patientAuth } from './auth.helpers.js';
import { newWithingsUser } from './linking.harness.js';
import {
  callApi,
  eventually,
  linkAndBackfill,
  startPipeline,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

const DAY_MS = 86_400_000;
const LOOKBACK_DAYS = 3;

type Body = Record<string, unknown>;

/**
 * Sync on demand: POST /api/base/sync/trigger/ queues a window and answers with a request id; the request's jobs
 * (one chunk each here, so the window runs as a job and its continuation) report progress to it until it is over.
 */
describe('sync requests', { timeout: 180_000 }, () => {
  let h: PipelineHarness;
  let link: { ehrUserId: string; linkId: number };

  const post = (body: Body, auth = h.auth): ReturnType<typeof callApi> =>
    callApi(h, 'POST', '/api/base/sync/trigger/', auth, body);
  const get = (id: string, auth = h.auth): ReturnType<typeof callApi> =>
    callApi(h, 'GET', `/api/base/sync/requests/${id}/`, auth);
  const settled = (id: string): Promise<Body> =>
    eventually(
      async () => {
        const { body } = await get(id);
        return body['status'] === 'completed' || body['status'] === 'failed' ? body : undefined;
      },
      `sync request ${id}`,
      90_000,
    );
  /** Whole seconds: Withings asks in epoch seconds. */
  const daysAgo = (days: number): string =>
    new Date(Math.floor(Date.now() / 1000) * 1000 - days * DAY_MS).toISOString();

  beforeAll(async () => {
    h = await startPipeline({
      SYNC_INITIAL_LOOKBACK_DAYS: String(LOOKBACK_DAYS),
      SYNC_BACKFILL_CHUNKS_PER_JOB: '1',
    });
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    link = await linkAndBackfill(h, 'withings', 'on-demand', 90_000);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should run a requested window to completion across continuation jobs, reporting its progress', async () => {
    const observationsBefore = (await h.fhir.search('Observation', {})).length;
    const start = daysAgo(2);
    const end = daysAgo(0);
    const res = await post({ ehr_user_id: link.ehrUserId, provider: 'withings', start, end });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'queued',
      deduplicated: false,
      clamped: [],
      ehr_user_id: link.ehrUserId,
      provider: 'withings',
      window_start: start,
      window_end: end,
      records_published: 0,
    });
    const id = res.body['sync_request_id'] as string;
    const done = await settled(id);
    expect(done).toMatchObject({ status: 'completed', chunks_done: 2, chunks_total: 2, errors: [] });
    expect(done['records_published']).toBeGreaterThan(0);
    expect(done['finished_at']).not.toBeNull();
    // Re-published idempotently over the backfill: the FHIR server holds the window's records, no more.
    expect((await h.fhir.search('Observation', {})).length).toBeGreaterThanOrEqual(observationsBefore);
    expect(observationsBefore).toBeGreaterThan(0);
    const jobs = (await h.queue(QueueName.UserSync).getJobs(['completed'])).filter(
      (j) => (j.data as { syncRequestId?: string }).syncRequestId === id,
    );
    expect(jobs).toHaveLength(2);
    // Counted chunk by chunk as they were published: the jobs' own reports add up to the same.
    const reported = jobs
      .flatMap((j) => Object.values((j.returnvalue as { records: Record<string, number> }).records))
      .reduce((a, b) => a + b, 0);
    expect(done['records_published']).toBe(reported);
  });

  it('should return the queued request for the same link and window instead of queueing another', async () => {
    const queue = h.queue(QueueName.UserSync);
    await queue.pause();
    const body = { ehr_user_id: link.ehrUserId, provider: 'withings', data_types: ['weight'] };
    let id: string;
    try {
      const first = await post(body);
      const second = await post(body);
      expect(first.status).toBe(202);
      expect(second.status).toBe(202);
      expect(second.body).toMatchObject({
        deduplicated: true,
        sync_request_id: first.body['sync_request_id'],
      });
      id = first.body['sync_request_id'] as string;
      expect(first.body['data_types']).toEqual(['weight']);
    } finally {
      await queue.resume();
    }
    expect(await settled(id)).toMatchObject({ status: 'completed', data_types: ['weight'] });
  });

  it('should fail the request when the provider fails for good, with the error code', async () => {
    const start = daysAgo(1);
    // Withings status 2554 is not retryable.
    h.withings.failDataFrom(new Date(start), { kind: 'status', status: 2554 });
    const res = await post({ ehr_user_id: link.ehrUserId, provider: 'withings', start, end: daysAgo(0) });
    const done = await settled(res.body['sync_request_id'] as string);
    expect(done['status']).toBe('failed');
    expect((done['errors'] as string[]).length).toBeGreaterThan(0);
  });

  it('should refuse windows beyond the lookback, inverted windows and unknown data types with 400', async () => {
    const base = { ehr_user_id: link.ehrUserId, provider: 'withings' };
    const beyond = await post({ ...base, start: daysAgo(LOOKBACK_DAYS + 1) });
    expectErrorBody(beyond, 400, 'validation_error');
    expect(beyond.body).toMatchObject({
      error: 'validation_error',
      message: 'Window beyond the lookback limit',
    });
    expect((await post({ ...base, start: daysAgo(1), end: daysAgo(2) })).status).toBe(400);
    const unknown = await post({ ...base, data_types: ['steps', 'telepathy'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body['details']).toHaveProperty('data_types');
    const future = await post({
      ...base,
      start: daysAgo(1),
      end: new Date(Date.now() + DAY_MS).toISOString(),
    });
    expect(future.status).toBe(202);
    expect(future.body['clamped']).toEqual(['end']);
    await settled(future.body['sync_request_id'] as string);
  });

  it('should answer 404 for an unknown request and 403 to patient credentials', async () => {
    expect((await get('3f0e8a52-6c1b-4d0e-9d6f-0b8f1c2a7e41')).status).toBe(404);
    expect((await get('not-a-uuid')).status).toBe(400);
    const patient = await patientAuth(h.t, link.ehrUserId);
    const trigger = await post({ ehr_user_id: link.ehrUserId, provider: 'withings' }, patient);
    expectErrorBody(trigger, 403, 'forbidden');
    expect((await get('3f0e8a52-6c1b-4d0e-9d6f-0b8f1c2a7e41', patient)).status).toBe(403);
  });
});
