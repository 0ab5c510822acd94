import { getToken } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identifierSystem } from '../../src/transformers/fhir-identifiers.js';
import { InboxReconciler } from '../../src/webhooks/inbox/inbox-reconciler.service.js';
import { newWithingsUser } from './linking.harness.js';
import {
  eventually,
  IDENTIFIER_BASE,
  linkAndBackfill,
  linkIdle,
  startPipeline,
  WITHINGS_SECRET,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

const weightSystem = identifierSystem(IDENTIFIER_BASE, 'withings', 'weight');

/** One record the FHIR server refuses (422) must not hold back its window, nor have it re-fetched forever. */
describe('sync pipeline: a record the FHIR server refuses', { timeout: 90_000 }, () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await startPipeline();
  });
  afterAll(async () => {
    await h.stop();
  });

  const refusedCount = async (): Promise<number> => {
    const counter = h.t.app.get<Counter>(getToken('ohe_fhir_rejected_records_total'));
    const values = (await counter.get()).values;
    return values
      .filter((v) => v.labels['provider'] === 'withings' && v.labels['data_type'] === 'weight')
      .reduce((sum, v) => sum + v.value, 0);
  };

  it('should publish the rest of the window, record and count the refusal, and not fetch the window again', async () => {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    const l = await linkAndBackfill(h, 'withings', 'refused');
    const date = Math.floor(Date.now() / 1000) - 600;
    const [kept, refused] = [70.5, 71.5].map((kg, i) =>
      h.withings.addMeasureGroup(userid, {
        date: date + i,
        measures: [{ type: 1, value: Math.round(kg * 1000), unit: -3 }],
        device: 'scale',
      }),
    );
    const value = (grpid: number): string => `${l.ehrUserId}:${grpid}:1`;
    h.fhir.refuseIdentifier(value(refused!.grpid));
    const before = await refusedCount();

    const callback = `${h.base}/webhooks/withings/${WITHINGS_SECRET}`;
    expect(
      await h.withings.sendNotification(callback, {
        userid,
        appli: 1,
        startdate: date - 30,
        enddate: date + 30,
      }),
    ).toBe(202);
    await eventually(
      async () => {
        const rows = await h.t.dataSource.query<{ status: string }[]>(
          `SELECT status FROM notification_inbox WHERE link_id = $1 AND payload->>'appli' = '1'`,
          [l.linkId],
        );
        return rows[0]?.status === 'done';
      },
      'the notification to be done',
      30_000,
    );
    await eventually(() => linkIdle(h, l.linkId), 'the sync to settle');

    expect(await h.fhir.countByIdentifier('Observation', weightSystem, value(kept!.grpid))).toBe(1);
    expect(await h.fhir.countByIdentifier('Observation', weightSystem, value(refused!.grpid))).toBe(0);
    const [state] = await h.t.dataSource.query<{ status: string; last_error: string | null }[]>(
      `SELECT status, last_error FROM sync_states WHERE link_id = $1 AND data_type = 'weight'`,
      [l.linkId],
    );
    expect(state).toEqual({ status: 'completed', last_error: 'fhir_rejected' });
    expect(await refusedCount()).toBe(before + 1);

    // Nothing is left to re-sync: a reconciler pass, even with the rows aged, fetches nothing again.
    const calls = h.withings.dataCalls();
    await h.t.dataSource.query(
      `UPDATE notification_inbox SET routed_at = routed_at - interval '10 minutes' WHERE link_id = $1`,
      [l.linkId],
    );
    await h.t.app.get(InboxReconciler).reconcileOnce();
    await new Promise((r) => setTimeout(r, 1_000));
    await eventually(() => linkIdle(h, l.linkId), 'the link to stay idle');
    expect(h.withings.dataCalls()).toBe(calls);
  });
});
