import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import { identifierSystem } from '../../src/transformers/fhir-identifiers.js';
import { newGoogleUser, newWithingsUser, WEBHOOK_SECRET } from './linking.harness.js';
import {
  duplicateIdentifiers,
  eventually,
  IDENTIFIER_BASE,
  linkAndBackfill,
  linkIdle,
  startPipeline,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

const withingsWeights = identifierSystem(IDENTIFIER_BASE, 'withings', 'weight');
const fitbitWeights = identifierSystem(IDENTIFIER_BASE, 'fitbit', 'weight');
const BURST = 6;

/**
 * Everything that can write one patient's resources at once, against the FHIR test server's concurrent mode,
 * where two conditional creates of one identifier that overlap both create. The pipeline must leave exactly one
 * resource per identifier all the same: the per-link lease orders a link's syncs, and identifiers are scoped to
 * the patient and the provider, so two links never write the same one.
 */
describe('sync pipeline races at a FHIR server that does not serialize', { timeout: 120_000 }, () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await startPipeline({ SYNC_INITIAL_LOOKBACK_DAYS: '1', WORKER_CONCURRENCY: '8' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should leave one resource per identifier when a patient’s two links get bursts of work at once', async () => {
    const withingsUser = newWithingsUser(h.withings);
    h.withings.approveNext(withingsUser);
    const withings = await linkAndBackfill(h, 'withings', 'race');
    const { healthUserId } = newGoogleUser(h.google);
    h.google.approveNext(healthUserId);
    const fitbit = await linkAndBackfill(h, 'fitbit', 'race', 60_000, withings.ehrUserId);
    expect(await duplicateIdentifiers(h.fhir)).toEqual([]);

    const now = Math.floor(Date.now() / 1000);
    const withingsValues: string[] = [];
    const fitbitValues: string[] = [];
    const sends: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < BURST; i++) {
      const date = now - 600 - i * 60;
      const group = h.withings.addMeasureGroup(withingsUser, {
        date,
        measures: [{ type: 1, value: 70_000 + i, unit: -3 }],
        device: 'scale',
      });
      withingsValues.push(`${withings.ehrUserId}:${group.grpid}:1`);
      const notify = (): Promise<number> =>
        h.withings.sendNotification(`${h.base}/webhooks/withings/${WEBHOOK_SECRET}`, {
          userid: withingsUser,
          appli: 1,
          startdate: date - 30,
          enddate: date + 30,
        });
      // Each measurement notified twice at once: the inbox and the lease must absorb the twin.
      sends.push(notify, notify);

      const at = new Date(Date.now() - (20 + i) * 60_000);
      const name = `users/${healthUserId}/dataTypes/weight/dataPoints/race-${i}`;
      h.google.addDataPoint(healthUserId, 'weight', {
        name,
        dataSource: { recordingMethod: 'MANUAL', platform: 'FITBIT' },
        weight: { weightGrams: 60_000 + i, sampleTime: { physicalTime: at.toISOString(), utcOffset: '0s' } },
      });
      fitbitValues.push(`${fitbit.ehrUserId}:${name}`);
      const envelope = h.sender.envelope(healthUserId, 'weight', at, new Date(at.getTime() + 1000));
      sends.push(() => h.sender.post(`${h.base}/webhooks/fitbit/`, [envelope]));
    }
    const jobs = h.t.app.get(LinkJobs);
    for (const linkId of [withings.linkId, fitbit.linkId]) {
      sends.push(
        () => jobs.requestDeviceSync(linkId, `race-devices-${linkId}`),
        () => jobs.requestSync(linkId, 'incremental', {}),
      );
    }
    for (const provider of ['withings', 'fitbit']) {
      sends.push(() =>
        fetch(`${h.base}/api/base/sync/trigger_device_sync/`, {
          method: 'POST',
          headers: { ...h.auth, 'content-type': 'application/json' },
          body: JSON.stringify({ ehr_user_id: withings.ehrUserId, provider }),
        }),
      );
    }
    await Promise.all(sends.map((send) => send()));

    const count = (system: string, value: string): Promise<number> =>
      h.fhir.countByIdentifier('Observation', system, value);
    const settled = await eventually(
      async () => {
        const all = await Promise.all([
          ...withingsValues.map((v) => count(withingsWeights, v)),
          ...fitbitValues.map((v) => count(fitbitWeights, v)),
        ]);
        return all.every((n) => n >= 1) && (await linkIdle(h, withings.linkId)) && linkIdle(h, fitbit.linkId);
      },
      'every weight at the FHIR server and both links settled',
      60_000,
    ).then(
      () => true,
      (err: unknown) => err,
    );
    // Duplicates first: once an identifier has two resources, its later conditional writes fail with 412 and
    // the pipeline never settles, so the timeout alone would hide the cause.
    expect(await duplicateIdentifiers(h.fhir)).toEqual([]);
    expect(settled).toBe(true);
    for (const v of withingsValues) {
      expect(await count(withingsWeights, v)).toBe(1);
    }
    for (const v of fitbitValues) {
      expect(await count(fitbitWeights, v)).toBe(1);
    }
  });
});
