import type { Binary, Bundle, BundleEntry, Device, Observation, OperationOutcome, Patient } from 'fhir/r5.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FhirTestServer } from './fhir-test-server.js';
import { fhirRequest, heartRate, issueTexts, MEAS_SYSTEM } from './fhir-test-client.js';

const DEVICE_SYSTEM = 'urn:ohe:withings:deviceid';
const DEVICE_URN = 'urn:uuid:6f1d3c2e-8a4b-4c1d-9e2f-0a1b2c3d4e5f';

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

const device = (value: string): Device => ({
  resourceType: 'Device',
  identifier: [{ system: DEVICE_SYSTEM, value }],
  manufacturer: 'Withings',
  name: [{ value: 'ScanWatch', type: 'user-friendly-name' }],
});

const bundle = (type: 'transaction' | 'batch', entry: BundleEntry[]): Bundle => ({
  resourceType: 'Bundle',
  type,
  entry,
});

const post = (transaction: Bundle) => fhirRequest<Bundle>(server.baseUrl, 'POST', '', { body: transaction });

/** Observation first, Device second: the reference points forward, as bundles built by mappers often do. */
const deviceAndObservation = (meas: string): Bundle =>
  bundle('transaction', [
    {
      fullUrl: 'urn:uuid:0b7e1f3a-1111-4c1d-9e2f-0a1b2c3d4e5f',
      resource: heartRate({ system: MEAS_SYSTEM, value: meas }, { device: { reference: DEVICE_URN } }),
      request: { method: 'POST', url: 'Observation', ifNoneExist: `identifier=${MEAS_SYSTEM}|${meas}` },
    },
    {
      fullUrl: DEVICE_URN,
      resource: device('hash-1'),
      request: { method: 'POST', url: 'Device', ifNoneExist: `identifier=${DEVICE_SYSTEM}|hash-1` },
    },
  ]);

describe('FhirTestServer transaction', () => {
  it('should resolve urn:uuid references across entries and answer a transaction-response', async () => {
    const answer = await post(deviceAndObservation('m-1'));

    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe('transaction-response');
    const [obsEntry, deviceEntry] = answer.body.entry ?? [];
    expect(obsEntry?.response?.status).toBe('201 Created');
    expect(deviceEntry?.response?.status).toBe('201 Created');
    const deviceId = (deviceEntry?.resource as Device).id ?? '';
    expect(deviceEntry?.response?.location).toBe(`Device/${deviceId}/_history/1`);
    expect(deviceEntry?.response?.etag).toBe('W/"1"');
    const [stored] = await server.search('Observation', { identifier: `${MEAS_SYSTEM}|m-1` });
    expect((stored as unknown as Observation).device).toEqual({ reference: `Device/${deviceId}` });
    expect(await server.search('Observation', { device: deviceId })).toHaveLength(1);
  });

  it('should honour ifNoneExist: a repeated bundle answers 200 and references the existing resources', async () => {
    const first = await post(deviceAndObservation('m-2'));
    const second = await post(deviceAndObservation('m-2'));

    expect(second.body.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '200 OK']);
    expect(second.body.entry?.map((e) => (e.resource as Device | Observation).id)).toEqual(
      first.body.entry?.map((e) => (e.resource as Device | Observation).id),
    );
    expect(await server.countByIdentifier('Device', DEVICE_SYSTEM, 'hash-1')).toBe(1);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'm-2')).toBe(1);
  });

  it('should create one resource when two entries carry the same ifNoneExist', async () => {
    const [, deviceEntry] = deviceAndObservation('m-3').entry ?? [];
    const twice = bundle('transaction', [
      ...(deviceAndObservation('m-3').entry ?? []),
      { ...deviceEntry, fullUrl: 'urn:uuid:6f1d3c2e-2222-4c1d-9e2f-0a1b2c3d4e5f' },
    ]);

    const answer = await post(twice);

    expect(answer.body.entry?.map((e) => e.response?.status)).toEqual([
      '201 Created',
      '201 Created',
      '200 OK',
    ]);
    expect(await server.countByIdentifier('Device', DEVICE_SYSTEM, 'hash-1')).toBe(1);
  });

  it('should write nothing when the third entry is not valid R5', async () => {
    const invalid = { ...heartRate({ system: MEAS_SYSTEM, value: 'bad' }), code: undefined, colour: 'red' };
    const answer = await fhirRequest(server.baseUrl, 'POST', '', {
      body: bundle('transaction', [
        ...(deviceAndObservation('ok-1').entry ?? []),
        { resource: invalid, request: { method: 'POST', url: 'Observation' } },
      ]),
    });

    expect(answer.status).toBe(400);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(answer.body.issue[0]?.expression).toEqual(['Bundle.entry[2]']);
    expect(issueTexts(answer.body).slice(1)).toEqual([
      '/ must have required property \'code\' {"missingProperty":"code"}',
      '/ must NOT have additional properties {"additionalProperty":"colour"}',
    ]);
    expect(await server.search('Observation', {})).toEqual([]);
    expect(await server.search('Device', {})).toEqual([]);
  });

  it('should undo every earlier write when a later entry fails (412), restoring updated and deleted resources', async () => {
    const patient = (
      await fhirRequest<Patient>(server.baseUrl, 'POST', 'Patient', {
        body: { resourceType: 'Patient', active: true },
      })
    ).body;
    const deactivated: Patient = { ...patient, active: false };
    const doomed = (await fhirRequest<Device>(server.baseUrl, 'POST', 'Device', { body: device('old') }))
      .body;
    for (let i = 0; i < 2; i++) {
      await fhirRequest(server.baseUrl, 'POST', 'Observation', {
        body: heartRate({ system: MEAS_SYSTEM, value: 'twin' }),
      });
    }

    const answer = await fhirRequest(server.baseUrl, 'POST', '', {
      body: bundle('transaction', [
        { request: { method: 'DELETE', url: `Device/${doomed.id ?? ''}` } },
        { resource: device('new'), request: { method: 'POST', url: 'Device' } },
        {
          resource: deactivated,
          request: { method: 'PUT', url: `Patient/${patient.id ?? ''}` },
        },
        {
          resource: heartRate({ system: MEAS_SYSTEM, value: 'twin' }),
          request: { method: 'PUT', url: `Observation?identifier=${MEAS_SYSTEM}|twin` },
        },
      ]),
    });

    expect(answer.status).toBe(412);
    expect(answer.body.issue[0]?.expression).toEqual(['Bundle.entry[3]']);
    expect((await server.search('Device', {})).map((d) => d['id'])).toEqual([doomed.id]);
    const [restored] = await server.search('Patient', {});
    expect(restored).toEqual(patient);
    const history = await fhirRequest<Bundle>(server.baseUrl, 'GET', `Patient/${patient.id ?? ''}/_history`);
    expect(history.body.total).toBe(1);
    expect((await fhirRequest(server.baseUrl, 'GET', `Device/${doomed.id ?? ''}`)).status).toBe(200);
  });

  it('should create then update with a conditional PUT entry', async () => {
    const upsert = (value: number): Bundle =>
      bundle('transaction', [
        {
          resource: heartRate(
            { system: MEAS_SYSTEM, value: 'u-1' },
            { valueQuantity: { value, unit: '/min' } },
          ),
          request: { method: 'PUT', url: `Observation?identifier=${MEAS_SYSTEM}|u-1` },
        },
      ]);

    const created = await post(upsert(60));
    const updated = await post(upsert(61));

    expect(created.body.entry?.[0]?.response?.status).toBe('201 Created');
    expect(updated.body.entry?.[0]?.response?.status).toBe('200 OK');
    expect(updated.body.entry?.[0]?.response?.etag).toBe('W/"2"');
    const stored = await server.search('Observation', { identifier: `${MEAS_SYSTEM}|u-1` });
    expect(stored.map((o) => (o['valueQuantity'] as { value: number }).value)).toEqual([61]);
  });
});

describe('FhirTestServer transaction PATCH', () => {
  it('should apply a JSON Patch Binary entry and read the result back in the same transaction', async () => {
    const created = await fhirRequest<Observation>(server.baseUrl, 'POST', 'Observation', {
      body: heartRate({ system: MEAS_SYSTEM, value: 'pt-1' }),
    });
    const patch = [{ op: 'replace', path: '/status', value: 'amended' }];
    const binary: Binary = {
      resourceType: 'Binary',
      contentType: 'application/json-patch+json',
      data: Buffer.from(JSON.stringify(patch)).toString('base64'),
    };
    const answer = await post(
      bundle('transaction', [
        { request: { method: 'GET', url: `Observation/${created.body.id ?? ''}` } },
        {
          resource: binary,
          request: { method: 'PATCH', url: `Observation?identifier=${MEAS_SYSTEM}|pt-1` },
        },
      ]),
    );

    expect(answer.body.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '200 OK']);
    expect((answer.body.entry?.[0]?.resource as Observation).status).toBe('amended');
    expect(answer.body.entry?.[1]?.response?.etag).toBe('W/"2"');
  });
});

describe('FhirTestServer batch', () => {
  it('should process entries independently and report each status', async () => {
    const answer = await post(
      bundle('batch', [
        { resource: device('b-1'), request: { method: 'POST', url: 'Device' } },
        {
          resource: { resourceType: 'Device', colour: 'red' } as Device,
          request: { method: 'POST', url: 'Device' },
        },
        { request: { method: 'GET', url: 'Device/does-not-exist' } },
      ]),
    );

    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe('batch-response');
    expect(answer.body.entry?.map((e) => e.response?.status)).toEqual([
      '201 Created',
      '400 Bad Request',
      '404 Not Found',
    ]);
    expect((answer.body.entry?.[1]?.response?.outcome as OperationOutcome).issue[0]?.code).toBe('structure');
    expect(await server.countByIdentifier('Device', DEVICE_SYSTEM, 'b-1')).toBe(1);
  });
});
