import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { LinkJobs } from '../../src/ingestors/links/link-jobs.js';
import { fhirRequest } from '../simulators/fhir/fhir-test-client.js';
import { newEhrUserId } from '../support/fixtures.js';
import { newWithingsUser } from './linking.harness.js';
import { createPatient, MRN_SYSTEM, patientsApi, syncStatus } from './patients.harness.js';
import {
  eventually,
  linkAndBackfill,
  linkIdle,
  startPipeline,
  WITHINGS_SECRET,
  type PipelineHarness,
} from './sync-pipeline.harness.js';
import { InboxReconciler } from '../../src/webhooks/inbox/inbox-reconciler.service.js';

/** The link's sync states, one status per data type. */
async function states(h: PipelineHarness, linkId: number): Promise<string[]> {
  const rows = await h.t.dataSource.query<{ status: string }[]>(
    `SELECT DISTINCT status FROM sync_states WHERE link_id = $1`,
    [linkId],
  );
  return rows.map((r) => r.status);
}

/** Whether any bundle the FHIR server received names this EHR user (identifiers carry it). */
function published(h: PipelineHarness, ehrUserId: string): boolean {
  return h.fhir.requests.some((r) => r.method === 'POST' && JSON.stringify(r.body ?? '').includes(ehrUserId));
}

async function link(
  h: PipelineHarness,
  label: string,
  ehrUserId?: string,
): Promise<{ ehrUserId: string; linkId: number; userid: number }> {
  const userid = newWithingsUser(h.withings);
  h.withings.approveNext(userid);
  return { userid, ...(await linkAndBackfill(h, 'withings', label, 60_000, ehrUserId)) };
}

/** A Withings weight notification for the link's account; waits until the inbox routed it to the link. */
async function notifyWeight(h: PipelineHarness, l: { userid: number; linkId: number }): Promise<void> {
  const date = Math.floor(Date.now() / 1000) - 600;
  h.withings.addMeasureGroup(l.userid, {
    date,
    measures: [{ type: 1, value: 70_000, unit: -3 }],
    device: 'scale',
  });
  const callback = `${h.base}/webhooks/withings/${WITHINGS_SECRET}`;
  expect(
    await h.withings.sendNotification(callback, {
      userid: l.userid,
      appli: 1,
      startdate: date - 30,
      enddate: date + 30,
    }),
  ).toBe(202);
  await eventually(async () => (await inbox(h, l.linkId)).join() === 'routed', 'the routed notification');
}

async function inbox(h: PipelineHarness, linkId: number): Promise<string[]> {
  const rows = await h.t.dataSource.query<{ status: string }[]>(
    `SELECT status FROM notification_inbox WHERE link_id = $1`,
    [linkId],
  );
  return rows.map((r) => r.status);
}

async function failedJobs(h: PipelineHarness, linkId: number): Promise<number> {
  const jobs = await h.queue(QueueName.UserSync).getJobs(['failed', 'delayed']);
  return jobs.filter((j) => (j.data as { linkId?: number }).linkId === linkId).length;
}

describe('patient identity in syncs: require_mapping', { timeout: 90_000 }, () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await startPipeline({ UNMAPPED_PATIENT_POLICY: 'require_mapping' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should wait in awaiting_patient, then publish to the mapped Patient once the mapping arrives', async () => {
    const l = await link(h, 'await');
    expect(await states(h, l.linkId)).toEqual(['awaiting_patient']);
    expect(published(h, l.ehrUserId)).toBe(false);
    expect(await failedJobs(h, l.linkId)).toBe(0);
    expect(await syncStatus(h, l.ehrUserId, 'withings')).toMatchObject({
      status: 'awaiting_patient',
      patient: { status: 'unmapped', fhir_patient_id: null },
      errors: expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('PUT') })]),
    });

    // A notification waits, routed; the reconciler does not re-sync a link waiting for its patient.
    await notifyWeight(h, l);
    await eventually(() => linkIdle(h, l.linkId), 'the realtime sync to wait');
    expect(await states(h, l.linkId)).toEqual(['awaiting_patient']);
    await h.t.dataSource.query(
      `UPDATE notification_inbox SET routed_at = routed_at - interval '10 minutes' WHERE link_id = $1`,
      [l.linkId],
    );
    await h.t.app.get(InboxReconciler).reconcileOnce();
    expect(await linkIdle(h, l.linkId)).toBe(true);
    expect(published(h, l.ehrUserId)).toBe(false);

    const patientId = await createPatient(h);
    const put = await patientsApi(h, 'PUT', l.ehrUserId, { fhir_patient_id: patientId });
    expect(put.body).toMatchObject({ status: 'mapped', syncs_queued: 1 });
    await eventually(
      async () => (await states(h, l.linkId)).join() === 'completed',
      'the syncs after mapping',
    );
    await eventually(() => linkIdle(h, l.linkId), 'the device sync after mapping');
    const observations = await h.fhir.search('Observation', { subject: `Patient/${patientId}` });
    expect(observations.length).toBeGreaterThan(50);
    expect(await h.fhir.search('Observation', { subject: `Patient/${l.ehrUserId}` })).toEqual([]);
    const associations = await h.fhir.search('DeviceAssociation', { subject: `Patient/${patientId}` });
    expect(associations.length).toBeGreaterThan(0);
    expect(await syncStatus(h, l.ehrUserId, 'withings')).toMatchObject({ status: 'completed', errors: [] });
    await eventually(
      async () => (await inbox(h, l.linkId)).join() === 'done',
      'the notification to be synced',
    );
  });
});

describe('patient identity in syncs: default policy (ehr_user_id_is_fhir_id)', { timeout: 90_000 }, () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await startPipeline();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should wait instead of publishing when the EHR user id is not a valid FHIR id', async () => {
    const l = await link(h, 'invalid', newEhrUserId('pat_with@chars'));
    expect(await states(h, l.linkId)).toEqual(['awaiting_patient']);
    expect(published(h, l.ehrUserId)).toBe(false);
    expect(await failedJobs(h, l.linkId)).toBe(0);
  });

  it('should report a mapped Patient deleted at the target as patient_unavailable, and not retry', async () => {
    const patientId = await createPatient(h);
    const ehrUserId = newEhrUserId('deleted');
    expect((await patientsApi(h, 'PUT', ehrUserId, { fhir_patient_id: patientId })).status).toBe(200);
    const l = await link(h, 'deleted', ehrUserId);
    expect(await states(h, l.linkId)).toEqual(['completed']);
    expect((await h.fhir.search('Observation', { subject: `Patient/${patientId}` })).length).toBeGreaterThan(
      0,
    );

    expect((await fhirRequest(h.fhir.baseUrl, 'DELETE', `Patient/${patientId}`)).status).toBe(200);
    await h.t.app.get(LinkJobs).requestSync(l.linkId, 'incremental');
    await eventually(async () => (await states(h, l.linkId)).join() === 'patient_unavailable', 'the verdict');
    await eventually(() => linkIdle(h, l.linkId), 'the sync to settle');
    expect(await failedJobs(h, l.linkId)).toBe(0);
    expect(await syncStatus(h, l.ehrUserId, 'withings')).toMatchObject({
      status: 'patient_unavailable',
      patient: { status: 'patient_unavailable', reason: 'deleted', fhir_patient_id: patientId },
    });
    expect((await patientsApi(h, 'GET', ehrUserId)).body).toMatchObject({ status: 'patient_unavailable' });
  });

  it('should follow an identifier mapping to the Patient now carrying it, and report a replaced-by link', async () => {
    const value = newEhrUserId('mrn');
    const first = await createPatient(h, { identifier: [{ system: MRN_SYSTEM, value }] });
    const ehrUserId = newEhrUserId('merged');
    await patientsApi(h, 'PUT', ehrUserId, { identifier: { system: MRN_SYSTEM, value } });
    const l = await link(h, 'merged', ehrUserId);

    // The first Patient is deleted and the identifier now sits on another: the sync re-resolves once and goes on.
    await fhirRequest(h.fhir.baseUrl, 'DELETE', `Patient/${first}`);
    const second = await createPatient(h, { identifier: [{ system: MRN_SYSTEM, value }] });
    await h.t.app.get(LinkJobs).requestSync(l.linkId, 'incremental');
    await eventually(
      async () => (await patientsApi(h, 'GET', ehrUserId)).body['fhir_patient_id'] === second,
      'the re-resolved mapping',
    );
    await eventually(() => linkIdle(h, l.linkId), 'the sync to settle');
    expect(await states(h, l.linkId)).toEqual(['completed']);

    // Merged into a third Patient, which no longer carries the identifier: replaced-by is reported.
    const third = await createPatient(h);
    await fhirRequest(h.fhir.baseUrl, 'PUT', `Patient/${second}`, {
      body: {
        resourceType: 'Patient',
        id: second,
        active: false,
        link: [{ other: { reference: `Patient/${third}` }, type: 'replaced-by' }],
      },
    });
    await h.t.app.get(LinkJobs).requestSync(l.linkId, 'incremental');
    await eventually(async () => (await states(h, l.linkId)).join() === 'patient_replaced', 'the verdict');
    expect(await syncStatus(h, ehrUserId, 'withings')).toMatchObject({
      status: 'patient_replaced',
      patient: { status: 'patient_replaced', replaced_by: third },
    });
  });
});
