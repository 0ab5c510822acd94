import type { Patient } from 'fhir/r5.js';
import { fhirRequest } from '../simulators/fhir/fhir-test-client.js';
import { call } from './organizations.harness.js';
import type { PipelineHarness } from './sync-pipeline.harness.js';

export const MRN_SYSTEM = 'urn:oid:1.2.36.146.595.217.0.1';

/** Creates a Patient at the FHIR test server and returns its server-assigned id. */
export async function createPatient(h: PipelineHarness, extra: Partial<Patient> = {}): Promise<string> {
  const res = await fhirRequest<Patient>(h.fhir.baseUrl, 'POST', 'Patient', {
    body: { resourceType: 'Patient', active: true, ...extra },
  });
  if (res.status !== 201 || res.body.id === undefined) {
    throw new Error(`creating a Patient answered ${res.status}`);
  }
  return res.body.id;
}

/** A call of the patients API with the harness's service credential unless `auth` is given. */
export async function patientsApi(
  h: PipelineHarness,
  method: 'PUT' | 'GET' | 'DELETE',
  ehrUserId: string,
  body?: unknown,
  auth: Record<string, string> = h.auth,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return call(h, auth, method, `/api/base/patients/${encodeURIComponent(ehrUserId)}/`, body);
}

/** The patient's sync status for one provider, as the API reports it. */
export async function syncStatus(
  h: PipelineHarness,
  ehrUserId: string,
  provider: string,
): Promise<Record<string, unknown>> {
  const res = await fetch(
    `${h.base}/api/base/sync/status/?ehr_user_id=${encodeURIComponent(ehrUserId)}&provider=${provider}`,
    { headers: h.auth },
  );
  return (await res.json()) as Record<string, unknown>;
}
