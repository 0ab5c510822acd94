import type { Bundle, CapabilityStatement, DeviceAssociation, Observation, Patient } from 'fhir/r5.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertValidR5, type FhirJson } from '../../support/fhir-schema.js';
import { FhirTestServer } from './fhir-test-server.js';
import { entriesOf, fhirRequest, heartRate, issueTexts, MEAS_SYSTEM } from './fhir-test-client.js';

let server: FhirTestServer;

beforeAll(async () => {
  server = await FhirTestServer.start();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.reset();
});

const association = (value: string, patient: string): DeviceAssociation => ({
  resourceType: 'DeviceAssociation',
  identifier: [{ system: 'urn:ohe:device-association', value }],
  device: { reference: 'Device/d-1' },
  status: { coding: [{ system: 'http://hl7.org/fhir/deviceassociation-status', code: 'attached' }] },
  subject: { reference: `Patient/${patient}` },
  period: { start: '2026-11-20T08:00:00Z' },
});

describe('FhirTestServer metadata', () => {
  it('should serve a valid R5 CapabilityStatement for fhirVersion 5.0.0', async () => {
    const answer = await fhirRequest<CapabilityStatement>(server.baseUrl, 'GET', 'metadata');

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(answer.body.fhirVersion).toBe('5.0.0');
    expect(answer.body.rest?.[0]?.interaction?.map((i) => i.code)).toEqual(['transaction', 'batch']);
    expect(answer.body.rest?.[0]?.resource?.some((r) => r.type === 'DeviceAssociation')).toBe(true);
    expect(() => assertValidR5(answer.body as unknown as FhirJson)).not.toThrow();
  });
});

describe('FhirTestServer R5 resources and search', () => {
  it('should create DeviceAssociation and find it by identifier, patient and device', async () => {
    const created = await fhirRequest<DeviceAssociation>(server.baseUrl, 'POST', 'DeviceAssociation', {
      body: association('link-1', 'p-1'),
      headers: { 'If-None-Exist': 'identifier=urn:ohe:device-association|link-1' },
    });
    await fhirRequest(server.baseUrl, 'POST', 'DeviceAssociation', { body: association('link-2', 'p-2') });

    const byIdentifier = await fhirRequest<Bundle>(
      server.baseUrl,
      'GET',
      'DeviceAssociation?identifier=urn:ohe:device-association|link-1',
    );
    expect(created.status).toBe(201);
    expect(byIdentifier.body.total).toBe(1);
    expect(entriesOf<DeviceAssociation>(byIdentifier.body).map((d) => d.id)).toEqual([created.body.id]);
    expect(await server.search('DeviceAssociation', { patient: 'p-1' })).toHaveLength(1);
    expect(await server.search('DeviceAssociation', { device: 'Device/d-1' })).toHaveLength(2);
  });

  it('should search Observations by subject, patient, code and device with total and next links', async () => {
    for (const [value, patient] of [
      ['s-1', 'p-1'],
      ['s-2', 'p-1'],
      ['s-3', 'p-2'],
    ] as const) {
      await fhirRequest(server.baseUrl, 'POST', 'Observation', {
        body: heartRate(
          { system: MEAS_SYSTEM, value },
          { subject: { reference: `Patient/${patient}` }, device: { reference: 'Device/d-9' } },
        ),
      });
    }

    const page = await fhirRequest<Bundle>(
      server.baseUrl,
      'GET',
      'Observation?patient=p-1&code=http://loinc.org|8867-4&_count=1',
    );
    expect(page.body.total).toBe(2);
    expect(page.body.entry).toHaveLength(1);
    expect(page.body.entry?.[0]?.search?.mode).toBe('match');
    const next = page.body.link?.find((l) => l.relation === 'next')?.url ?? '';
    expect(next).toBe(
      `${server.baseUrl}/Observation?patient=p-1&code=http%3A%2F%2Floinc.org%7C8867-4&_count=1&_offset=1`,
    );
    const second = await fhirRequest<Bundle>(next, 'GET', '');
    expect(second.body.link?.some((l) => l.relation === 'next')).toBe(false);
    expect(await server.search('Observation', { subject: 'Patient/p-2' })).toHaveLength(1);
    expect(await server.search('Observation', { 'subject:Patient': 'p-1' })).toHaveLength(2);
    expect(await server.search('Observation', { device: `${server.baseUrl}/Device/d-9` })).toHaveLength(3);
    expect(await server.search('Observation', { code: 'http://loinc.org|8867-5' })).toEqual([]);
  });

  it('should reject unknown search parameters with 400', async () => {
    const answer = await fhirRequest(server.baseUrl, 'GET', 'Observation?subjet=Patient/p-1');

    expect(answer.status).toBe(400);
    expect(issueTexts(answer.body)).toEqual([
      "Unknown search parameter 'subjet' for resource type Observation",
    ]);
  });
});

describe('FhirTestServer validation', () => {
  it('should reject an R5-invalid resource with 400 and an OperationOutcome per problem', async () => {
    const { code: _code, ...withoutCode } = heartRate({ system: MEAS_SYSTEM, value: 'v-1' });
    const answer = await fhirRequest(server.baseUrl, 'POST', 'Observation', {
      body: { ...withoutCode, effectiveDateTime: 'yesterday' },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.issue.map((i) => [i.code, i.expression])).toEqual([
      ['structure', ['Observation']],
      ['structure', ['Observation.effectiveDateTime']],
    ]);
    expect(await server.search('Observation', {})).toEqual([]);
  });

  it('should reject an R4-only shape (Device.patient) the R5 schema no longer has', async () => {
    const answer = await fhirRequest(server.baseUrl, 'POST', 'Device', {
      body: { resourceType: 'Device', patient: { reference: 'Patient/p-1' } },
    });

    expect(answer.status).toBe(400);
    expect(issueTexts(answer.body)).toEqual([
      '/ must NOT have additional properties {"additionalProperty":"patient"}',
    ]);
  });

  it('should store anything when started with validate: false', async () => {
    const lenient = await FhirTestServer.start({ validate: false });
    try {
      const answer = await fhirRequest(lenient.baseUrl, 'POST', 'Observation', {
        body: { resourceType: 'Observation', colour: 'red' },
      });
      expect(answer.status).toBe(201);
    } finally {
      await lenient.stop();
    }
  });
});

describe('FhirTestServer read, update, history and delete', () => {
  it('should version updates, serve history and vread, and answer 410 after delete', async () => {
    const created = await fhirRequest<Patient>(server.baseUrl, 'POST', 'Patient', {
      body: { resourceType: 'Patient', id: 'ignored-on-post', active: true },
    });
    const id = created.body.id ?? '';
    const updated = await fhirRequest<Patient>(server.baseUrl, 'PUT', `Patient/${id}`, {
      body: { ...created.body, active: false },
      headers: { 'If-Match': 'W/"1"' },
    });
    const stale = await fhirRequest(server.baseUrl, 'PUT', `Patient/${id}`, {
      body: { ...created.body, active: true },
      headers: { 'If-Match': 'W/"1"' },
    });
    const history = await fhirRequest<Bundle>(server.baseUrl, 'GET', `Patient/${id}/_history`);
    const v1 = await fhirRequest<Patient>(server.baseUrl, 'GET', `Patient/${id}/_history/1`);
    const removed = await fhirRequest(server.baseUrl, 'DELETE', `Patient/${id}`);
    const gone = await fhirRequest(server.baseUrl, 'GET', `Patient/${id}`);

    expect(id).not.toBe('ignored-on-post');
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
    expect(stale.status).toBe(412);
    expect(entriesOf<Patient>(history.body).map((p) => [p.meta?.versionId, p.active])).toEqual([
      ['2', false],
      ['1', true],
    ]);
    expect(v1.body.active).toBe(true);
    expect(removed.status).toBe(200);
    expect(gone.status).toBe(410);
  });

  it('should create with a client id on PUT (201) and patch with JSON Patch', async () => {
    const created = await fhirRequest<Observation>(server.baseUrl, 'PUT', 'Observation/client-id-1', {
      body: heartRate({ system: MEAS_SYSTEM, value: 'p-1' }, { id: 'client-id-1' }),
    });
    const patched = await fhirRequest<Observation>(server.baseUrl, 'PATCH', 'Observation/client-id-1', {
      body: [{ op: 'replace', path: '/status', value: 'amended' }],
      headers: { 'Content-Type': 'application/json-patch+json' },
    });
    const invalidPatch = await fhirRequest(server.baseUrl, 'PATCH', 'Observation/client-id-1', {
      body: [{ op: 'remove', path: '/code' }],
      headers: { 'Content-Type': 'application/json-patch+json' },
    });

    expect(created.status).toBe(201);
    expect(patched.status).toBe(200);
    expect(patched.body.status).toBe('amended');
    expect(patched.body.meta?.versionId).toBe('2');
    expect(invalidPatch.status).toBe(400);
  });
});
