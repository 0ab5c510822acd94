import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { CircuitBreakerRegistry } from '../../src/common/resilience/circuit-breaker.registry.js';
import { identifierSystem } from '../../src/transformers/fhir-identifiers.js';
import { newGoogleUser } from './linking.harness.js';
import {
  acceptThenLoseRedis,
  linkAndBackfill,
  eventually,
  GOOGLE_SECRET,
  IDENTIFIER_BASE,
  linkRow,
  linkIdle,
  startPipeline,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

interface Linked {
  readonly healthUserId: string;
  readonly ehrUserId: string;
  readonly linkId: number;
}

const weightSystem = identifierSystem(IDENTIFIER_BASE, 'fitbit', 'weight');

describe('sync pipeline: Fitbit through the Google Health API', { timeout: 60_000 }, () => {
  let h: PipelineHarness;
  let hookUrl: string;
  let planted = 0;

  beforeAll(async () => {
    // Minute-level heart rate makes each day a few thousand resources for the FHIR test server.
    h = await startPipeline({ SYNC_INITIAL_LOOKBACK_DAYS: '1' });
    hookUrl = `${h.base}/webhooks/fitbit/`;
  });
  afterAll(async () => {
    await h.stop();
  });

  async function link(): Promise<Linked> {
    const { healthUserId } = newGoogleUser(h.google);
    h.google.approveNext(healthUserId);
    return { healthUserId, ...(await linkAndBackfill(h, 'fitbit', 'gpipe')) };
  }

  /** Plants a weight at the simulator; returns its identifier value and the notification envelope for it. */
  function plantWeight(l: Linked, kg: number) {
    planted += 1;
    const at = new Date(Date.now() - 20 * 60_000);
    const name = `users/${l.healthUserId}/dataTypes/weight/dataPoints/e2e-${planted}`;
    h.google.addDataPoint(l.healthUserId, 'weight', {
      name,
      dataSource: { recordingMethod: 'MANUAL', platform: 'FITBIT' },
      weight: { weightGrams: kg * 1000, sampleTime: { physicalTime: at.toISOString(), utcOffset: '3600s' } },
    });
    const envelope = h.sender.envelope(l.healthUserId, 'weight', at, new Date(at.getTime() + 1000));
    return { value: `${l.ehrUserId}:${name}`, envelope };
  }

  const weights = (value: string): Promise<number> =>
    h.fhir.countByIdentifier('Observation', weightSystem, value);

  it('should pass the verification handshake', async () => {
    expect(await h.sender.verify(hookUrl, GOOGLE_SECRET)).toEqual({ first: 201, second: 401 });
  });

  it('should turn a signed notification into the Observation, once however often it is replayed', async () => {
    const l = await link();
    const { value, envelope } = plantWeight(l, 64.5);
    expect((await h.sender.post(hookUrl, [envelope])).status).toBe(204);
    await eventually(async () => (await weights(value)) === 1, 'the weight Observation');
    const [observation] = await h.fhir.search('Observation', { identifier: `${weightSystem}|${value}` });
    expect(observation).toMatchObject({
      code: { coding: [expect.objectContaining({ system: 'http://loinc.org', code: '29463-7' })] },
      valueQuantity: { value: 64.5, code: 'kg' },
      subject: { reference: `Patient/${l.ehrUserId}` },
    });
    for (let i = 0; i < 5; i++) {
      expect(
        (await h.sender.post(hookUrl, [envelope], { header: 'GOOGLE-HEALTH-API-SIGNATURE' })).status,
      ).toBe(204);
    }
    await eventually(() => linkIdle(h, l.linkId), 'replays to settle');
    expect(await weights(value)).toBe(1);
  });

  it('should refuse a bad signature with 401 and queue nothing', async () => {
    const l = await link();
    const { envelope } = plantWeight(l, 66);
    const before = await h.queue(QueueName.Notifications).count();
    expect((await h.sender.post(hookUrl, [envelope], { tamper: true })).status).toBe(401);
    const rows = await h.t.dataSource.query(`SELECT 1 FROM notification_inbox WHERE link_id = $1`, [
      l.linkId,
    ]);
    expect(rows).toEqual([]);
    expect(await h.queue(QueueName.Notifications).count()).toBe(before);
  });

  it('should wait out a 429 for its Retry-After without spending an attempt, then deliver', async () => {
    const l = await link();
    const { value, envelope } = plantWeight(l, 70.25);
    h.google.failNextDataCalls(429, 1, 2);
    expect((await h.sender.post(hookUrl, [envelope])).status).toBe(204);
    await eventually(async () => (await weights(value)) === 1, 'delivery after the Retry-After', 20_000);
    // The resource is written before the job records its outcome: wait for the job too.
    const job = await eventually(async () => {
      const completed = await h.queue(QueueName.UserSync).getCompleted();
      return completed.find(
        (j) => (j.data as { linkId: number }).linkId === l.linkId && j.data.strategy === 'realtime',
      );
    }, 'the completed sync job');
    expect(job.attemptsMade).toBe(1);
    expect(job.attemptsStarted).toBeGreaterThanOrEqual(2);
  });

  it('should end the link when a DELETE follows a withdrawn consent, and keep it for a data deletion', async () => {
    const kept = await link();
    const deletion = h.sender.envelope(kept.healthUserId, 'weight', new Date(), new Date(), 'DELETE');
    expect((await h.sender.post(hookUrl, [deletion])).status).toBe(204);
    await eventually(() => linkIdle(h, kept.linkId), 'the deletion notice');
    expect((await linkRow(h, kept.linkId)).status).toBe('active');

    const l = await link();
    h.google.revokeAccess(l.healthUserId);
    const revoked = h.sender.envelope(l.healthUserId, 'steps', new Date(), new Date(), 'DELETE');
    expect((await h.sender.post(hookUrl, [revoked])).status).toBe(204);
    await eventually(async () => (await linkRow(h, l.linkId)).status === 'revoked', 'the link to end');
    expect(await linkRow(h, l.linkId)).toEqual({ status: 'revoked', tokens: false });
  });

  it('should still deliver an accepted notification after Redis lost every key (the reconciler)', async () => {
    const l = await link();
    const { value, envelope } = plantWeight(l, 59.9);
    const counts = await acceptThenLoseRedis(h, l.linkId, async () => {
      expect((await h.sender.post(hookUrl, [envelope])).status).toBe(204);
    });
    // At least this link's row: other files' stale rows in the shared database may be requeued by the same pass.
    expect(counts.requeued).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await weights(value)) === 1, 'delivery after the reconciler');
  });

  it('should open the provider breaker on an outage and still deliver once the provider recovers', async () => {
    const l = await link();
    const { value, envelope } = plantWeight(l, 77.7);
    h.google.failNextDataCalls(503, 3);
    expect((await h.sender.post(hookUrl, [envelope])).status).toBe(204);
    const registry = h.t.app.get(CircuitBreakerRegistry);
    await eventually(async () => {
      const states = await registry.states();
      return states.find((s) => s.breaker === 'provider:fitbit' && s.state === 'open');
    }, 'the breaker to open');
    expect(await weights(value)).toBe(0);
    // Open 30 s (architecture), then a probe succeeds and the delayed job delivers.
    await eventually(async () => (await weights(value)) === 1, 'delivery after recovery', 50_000);
    await registry.forceClose('provider:fitbit');
  }, 70_000);
});
