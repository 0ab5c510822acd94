import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { RedisService } from '../../src/common/redis/redis.service.js';
import { ProviderQuota } from '../../src/ingestors/resilience/provider-quota.js';
import { CircuitBreakerRegistry } from '../../src/common/resilience/circuit-breaker.registry.js';
import { identifierSystem } from '../../src/transformers/fhir-identifiers.js';
import { newWithingsUser } from './linking.harness.js';
import {
  acceptThenLoseRedis,
  linkAndBackfill,
  eventually,
  IDENTIFIER_BASE,
  linkRow,
  linkIdle,
  startPipeline,
  WITHINGS_SECRET,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

interface Linked {
  readonly userid: number;
  readonly ehrUserId: string;
  readonly linkId: number;
}

const weightSystem = identifierSystem(IDENTIFIER_BASE, 'withings', 'weight');

describe('sync pipeline: Withings', { timeout: 60_000 }, () => {
  let h: PipelineHarness;
  let callback: string;

  beforeAll(async () => {
    h = await startPipeline();
    callback = `${h.base}/webhooks/withings/${WITHINGS_SECRET}`;
  });
  afterAll(async () => {
    await h.stop();
  });

  async function link(): Promise<Linked> {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    return { userid, ...(await linkAndBackfill(h, 'withings', 'wpipe')) };
  }

  /** Plants one weight at the simulator and sends the appli-1 notification for it; returns its identifier value. */
  async function newWeight(
    l: Linked,
    kg: number,
    send = true,
  ): Promise<{ value: string; notify: () => Promise<number> }> {
    const date = Math.floor(Date.now() / 1000) - 600;
    const group = h.withings.addMeasureGroup(l.userid, {
      date,
      measures: [{ type: 1, value: Math.round(kg * 1000), unit: -3 }],
      device: 'scale',
    });
    const notify = () =>
      h.withings.sendNotification(callback, {
        userid: l.userid,
        appli: 1,
        startdate: date - 30,
        enddate: date + 30,
      });
    if (send) {
      expect(await notify()).toBe(202);
    }
    return { value: `${l.ehrUserId}:${group.grpid}:1`, notify };
  }

  const weights = (value: string): Promise<number> =>
    h.fhir.countByIdentifier('Observation', weightSystem, value);

  it('should backfill a new link, sync its devices and subscribe to its notifications', async () => {
    const l = await link();
    const states = await h.t.dataSource.query<
      { data_type: string; status: string; synced_through: Date | null }[]
    >(`SELECT data_type, status, synced_through FROM sync_states WHERE link_id = $1 ORDER BY data_type`, [
      l.linkId,
    ]);
    expect(states.map((s) => s.data_type)).toEqual(
      expect.arrayContaining(['blood_pressure', 'ecg', 'heart_rate', 'sleep', 'steps', 'weight']),
    );
    expect(states.every((s) => s.status === 'completed' && s.synced_through !== null)).toBe(true);
    const observations = await h.fhir.search('Observation', { subject: `Patient/${l.ehrUserId}` });
    expect(observations.length).toBeGreaterThan(50);
    const associations = await h.fhir.search('DeviceAssociation', { subject: `Patient/${l.ehrUserId}` });
    expect(associations.length).toBeGreaterThanOrEqual(3);
    expect(associations.every((a) => (a['period'] as { start?: string }).start !== undefined)).toBe(true);
    expect(h.withings.subscriptions(l.userid).map((s) => s.appli)).toContain(46);

    const status = await fetch(
      `${h.base}/api/base/sync/status/?ehr_user_id=${l.ehrUserId}&provider=withings`,
      {
        headers: h.auth,
      },
    );
    expect(await status.json()).toMatchObject({ status: 'completed', errors: [] });
  });

  it('should turn a notification into the Observation at the FHIR server, once however often it is replayed', async () => {
    const l = await link();
    const weight = await newWeight(l, 72.345);
    await eventually(async () => (await weights(weight.value)) === 1, 'the weight Observation');
    const [observation] = await h.fhir.search('Observation', {
      identifier: `${weightSystem}|${weight.value}`,
    });
    expect(observation).toMatchObject({
      status: 'final',
      code: { coding: [expect.objectContaining({ system: 'http://loinc.org', code: '29463-7' })] },
      valueQuantity: { value: 72.345, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
      subject: { reference: `Patient/${l.ehrUserId}` },
    });

    for (let i = 0; i < 5; i++) {
      expect(await weight.notify()).toBe(202);
    }
    await eventually(() => linkIdle(h, l.linkId), 'replays to settle');
    expect(await weights(weight.value)).toBe(1);
    const inbox = await h.t.dataSource.query<{ status: string }[]>(
      `SELECT status FROM notification_inbox WHERE link_id = $1 AND payload->>'appli' = '1'`,
      [l.linkId],
    );
    expect(inbox).toEqual([{ status: 'done' }]);
  });

  it('should delay on status 601 without spending an attempt', async () => {
    const l = await link();
    h.withings.failNextData({ kind: 'status', status: 601 }, 1);
    await newWeight(l, 70.1);
    const job = await eventually(async () => {
      const delayed = await h.queue(QueueName.UserSync).getDelayed();
      return delayed.find((j) => (j.data as { linkId: number }).linkId === l.linkId);
    }, 'the delayed sync');
    expect(job.attemptsMade).toBe(0);
    // Withings sends no Retry-After with 601: the job waits the default minute.
    expect(job.delay).toBeGreaterThanOrEqual(55_000);
    // 601 is an application-wide refusal: every worker now holds back Withings calls for that minute.
    const quota = h.t.app.get(ProviderQuota);
    const spec = { name: 'withings-app', limit: 1, periodMs: 60_000 };
    expect(await quota.take(spec, 'app')).toMatchObject({ allowed: false });
    await job.remove();
    await h.t.app.get(RedisService).client.del(quota.keyOf(spec, 'app'));
  });

  it('should open the provider breaker on an outage and still deliver once the provider recovers', async () => {
    const l = await link();
    h.withings.failNextData({ kind: 'http', status: 503 }, 3);
    const weight = await newWeight(l, 81.2);
    const registry = h.t.app.get(CircuitBreakerRegistry);
    await eventually(async () => {
      const states = await registry.states();
      return states.find((s) => s.breaker === 'provider:withings' && s.state === 'open');
    }, 'the breaker to open');
    expect(await weights(weight.value)).toBe(0);
    // The breaker stays open 30 s (architecture), then a probe succeeds and the delayed job delivers.
    await eventually(async () => (await weights(weight.value)) === 1, 'delivery after recovery', 50_000);
    // The resource is written before the job records its outcome: wait for the job too.
    const job = await eventually(async () => {
      const completed = await h.queue(QueueName.UserSync).getCompleted();
      return completed.find(
        (j) => (j.data as { linkId: number }).linkId === l.linkId && j.data.strategy === 'realtime',
      );
    }, 'the completed sync job');
    expect(job.returnvalue).toMatchObject({ outcome: 'synced' });
    // Half-open admits one probe at a time; later tests should not wait for the second success.
    await registry.forceClose('provider:withings');
  }, 70_000);

  it('should end the link when Withings reports it unlinked (appli 46)', async () => {
    const l = await link();
    const status = await h.withings.sendNotification(callback, {
      userid: l.userid,
      appli: 46,
      action: 'unlink',
    });
    expect(status).toBe(202);
    await eventually(async () => (await linkRow(h, l.linkId)).status === 'revoked', 'the link to end');
    expect(await linkRow(h, l.linkId)).toEqual({ status: 'revoked', tokens: false });
    await eventually(async () => {
      const associations = await h.fhir.search('DeviceAssociation', { subject: `Patient/${l.ehrUserId}` });
      return (
        associations.length > 0 &&
        associations.every((a) => (a['period'] as { end?: string }).end !== undefined)
      );
    }, 'DeviceAssociations to end');
    const audit = await h.t.dataSource.query<{ action: string; actor: string }[]>(
      `SELECT action, actor FROM audit_events WHERE link_id = $1 AND action = 'link.revoked_by_provider'`,
      [l.linkId],
    );
    expect(audit).toEqual([{ action: 'link.revoked_by_provider', actor: 'provider:withings' }]);
  });

  it('should still deliver an accepted notification after Redis lost every key (the reconciler)', async () => {
    const l = await link();
    let weight = { value: '' };
    const counts = await acceptThenLoseRedis(h, l.linkId, async () => {
      weight = await newWeight(l, 68.4);
    });
    // At least this link's row: other files' stale rows in the shared database may be requeued by the same pass.
    expect(counts.requeued).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await weights(weight.value)) === 1, 'delivery after the reconciler');
  });
});
