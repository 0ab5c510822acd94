import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { newEhrUserId } from '../support/fixtures.js';
import { newWithingsUser } from './linking.harness.js';
import { createPatient, MRN_SYSTEM, patientsApi } from './patients.harness.js';
import { eventually, linkAndBackfill, startPipeline, type PipelineHarness } from './sync-pipeline.harness.js';

describe('patients API', { timeout: 60_000 }, () => {
  let h: PipelineHarness;

  beforeAll(async () => {
    h = await startPipeline();
  });
  afterAll(async () => {
    await h.stop();
  });

  const mrn = (): string => `MRN-${newEhrUserId('m')}`;

  it('should map a patient by FHIR id, report the mapping and audit it', async () => {
    const ehrUserId = newEhrUserId('map-id');
    const put = await patientsApi(h, 'PUT', ehrUserId, { fhir_patient_id: 'pat-001.a' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      ehr_user_id: ehrUserId,
      fhir_patient_id: 'pat-001.a',
      identifier: null,
      jhe_patient_id: null,
      status: 'mapped',
      syncs_queued: 0,
    });
    const got = await patientsApi(h, 'GET', ehrUserId);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      ehr_user_id: ehrUserId,
      fhir_patient_id: 'pat-001.a',
      identifier: null,
      jhe_patient_id: null,
      resolved_at: expect.any(String) as string,
      status: 'mapped',
    });
    const audit = await h.t.dataSource.query<{ action: string }[]>(
      `SELECT action FROM audit_events WHERE ehr_user_id = $1`,
      [ehrUserId],
    );
    expect(audit.map((a) => a.action)).toEqual(['patient.mapped']);
  });

  it.each([
    [{ fhir_patient_id: 'has_underscore' }, 'fhir_patient_id'],
    [{ fhir_patient_id: 'x'.repeat(65) }, 'fhir_patient_id'],
    [{ fhir_patient_id: 'a', identifier: { system: MRN_SYSTEM, value: '1' } }, 'identifier'],
    [{}, 'fhir_patient_id'],
    [{ identifier: { system: MRN_SYSTEM } }, 'identifier.value'],
  ])('should answer 400 validation_error for %j', async (body, field) => {
    const res = await patientsApi(h, 'PUT', newEhrUserId('bad'), body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'validation_error', details: { [field]: expect.any(Array) } });
    expect(Object.keys(res.body).sort()).toEqual(['details', 'error', 'message', 'request_id', 'timestamp']);
  });

  it('should resolve an identifier to the one Patient carrying it, and keep the identifier', async () => {
    const value = mrn();
    const id = await createPatient(h, { identifier: [{ system: MRN_SYSTEM, value }] });
    const ehrUserId = newEhrUserId('map-ident');
    const put = await patientsApi(h, 'PUT', ehrUserId, { identifier: { system: MRN_SYSTEM, value } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ fhir_patient_id: id, identifier: { system: MRN_SYSTEM, value } });
  });

  it('should refuse an identifier no Patient carries (422 patient_not_found) or several do (409)', async () => {
    const none = await patientsApi(h, 'PUT', newEhrUserId('none'), {
      identifier: { system: MRN_SYSTEM, value: mrn() },
    });
    expect(none.status).toBe(422);
    expect(none.body).toMatchObject({ error: 'patient_not_found' });

    const value = mrn();
    await createPatient(h, { identifier: [{ system: MRN_SYSTEM, value }] });
    await createPatient(h, { identifier: [{ system: MRN_SYSTEM, value }] });
    const ehrUserId = newEhrUserId('twice');
    const two = await patientsApi(h, 'PUT', ehrUserId, { identifier: { system: MRN_SYSTEM, value } });
    expect(two.status).toBe(409);
    expect(two.body).toMatchObject({ error: 'patient_ambiguous', details: { matches: 2 } });
    // Nothing was stored for a refused mapping.
    expect((await patientsApi(h, 'GET', ehrUserId)).status).toBe(404);
  });

  it('should refuse patient credentials (403) on every route', async () => {
    const ehrUserId = newEhrUserId('self');
    const { key } = await h.t.app.get(ApiKeyService).create({ name: 'p', role: 'patient', ehrUserId });
    const auth = { Authorization: `Bearer ${key}` };
    for (const method of ['PUT', 'GET', 'DELETE'] as const) {
      const body = method === 'PUT' ? { fhir_patient_id: 'p1' } : undefined;
      const res = await patientsApi(h, method, ehrUserId, body, auth);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: 'forbidden' });
    }
  });

  it('should unlink every provider, end its DeviceAssociations, then forget the mapping (204)', async () => {
    const patientId = await createPatient(h);
    const mapped = newEhrUserId('forget');
    expect((await patientsApi(h, 'PUT', mapped, { fhir_patient_id: patientId })).status).toBe(200);
    h.withings.approveNext(newWithingsUser(h.withings));
    const { ehrUserId, linkId } = await linkAndBackfill(h, 'withings', 'forget', 60_000, mapped);
    const associations = () => h.fhir.search('DeviceAssociation', { subject: `Patient/${patientId}` });
    expect((await associations()).length).toBeGreaterThan(0);

    const res = await fetch(`${h.base}/api/base/patients/${ehrUserId}/`, {
      method: 'DELETE',
      headers: h.auth,
    });
    expect(res.status).toBe(204);
    const [link] = await h.t.dataSource.query<{ status: string }[]>(
      `SELECT status FROM provider_links WHERE id = $1`,
      [linkId],
    );
    expect(link?.status).toBe('revoked');
    expect((await patientsApi(h, 'GET', ehrUserId)).body).toMatchObject({
      fhir_patient_id: null,
      status: 'unmapped',
      resolved_at: null,
    });
    const audit = await h.t.dataSource.query<{ action: string }[]>(
      `SELECT action FROM audit_events WHERE ehr_user_id = $1 ORDER BY id`,
      [ehrUserId],
    );
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['patient.mapped', 'link.unlinked', 'patient.unmapped']),
    );
    // Ended at the Patient the link published to, although the mapping is forgotten by the time the job runs.
    await eventually(
      async () => (await associations()).every((a) => (a['period'] as { end?: string }).end !== undefined),
      'the DeviceAssociations to end',
    );
    expect((await patientsApi(h, 'DELETE', newEhrUserId('nobody'))).status).toBe(404);
  });
});
