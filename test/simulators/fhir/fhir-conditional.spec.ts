import type { Bundle, Observation } from 'fhir/r5.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FhirTestServer } from './fhir-test-server.js';
import { entriesOf, fhirRequest, heartRate, issueTexts, MEAS_SYSTEM } from './fhir-test-client.js';
import { escapeTokenPart } from './search-params.js';

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

const criteria = (system: string, value: string): string =>
  `identifier=${encodeURIComponent(`${escapeTokenPart(system)}|${escapeTokenPart(value)}`)}`;

async function conditionalCreate(value: string, system = MEAS_SYSTEM) {
  return fhirRequest<Observation>(server.baseUrl, 'POST', 'Observation', {
    body: heartRate({ system, value }),
    headers: { 'If-None-Exist': criteria(system, value) },
  });
}

describe('FhirTestServer conditional create (If-None-Exist)', () => {
  it('should create once, then answer 200 with the existing resource and write nothing', async () => {
    const first = await conditionalCreate('4815757309-1');
    const second = await conditionalCreate('4815757309-1');

    expect(first.status).toBe(201);
    expect(first.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(first.headers.get('location')).toBe(`${server.baseUrl}/Observation/${first.body.id}/_history/1`);
    expect(first.headers.get('etag')).toBe('W/"1"');
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.meta?.versionId).toBe('1');
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, '4815757309-1')).toBe(1);
  });

  it('should keep exactly one resource when 8 identical conditional creates race', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => conditionalCreate('race-1')));

    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'race-1')).toBe(1);
  });

  it('should answer 412 when the criteria match more than one resource', async () => {
    await fhirRequest(server.baseUrl, 'POST', 'Observation', {
      body: heartRate({ system: MEAS_SYSTEM, value: 'dup' }),
    });
    await fhirRequest(server.baseUrl, 'POST', 'Observation', {
      body: heartRate({ system: MEAS_SYSTEM, value: 'dup' }),
    });

    const third = await conditionalCreate('dup');

    expect(third.status).toBe(412);
    expect(third.body.resourceType).toBe('OperationOutcome');
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'dup')).toBe(2);
  });

  it('should reject criteria with an unknown search parameter instead of creating a duplicate', async () => {
    const answer = await fhirRequest(server.baseUrl, 'POST', 'Observation', {
      body: heartRate({ system: MEAS_SYSTEM, value: 'x' }),
      headers: { 'If-None-Exist': 'identifer=a|b' },
    });

    expect(answer.status).toBe(400);
    expect(issueTexts(answer.body)).toEqual([
      "Unknown search parameter 'identifer' for resource type Observation",
    ]);
    expect(await server.search('Observation', {})).toEqual([]);
  });
});

describe('FhirTestServer conditional criteria', () => {
  it('should ignore _format in criteria but refuse criteria that select nothing', async () => {
    const withFormat = (value: string) =>
      fhirRequest(server.baseUrl, 'POST', 'Observation', {
        body: heartRate({ system: MEAS_SYSTEM, value }),
        headers: { 'If-None-Exist': `${criteria(MEAS_SYSTEM, value)}&_format=json` },
      });
    const formatOnly = await fhirRequest(server.baseUrl, 'PUT', 'Observation?_format=json', {
      body: heartRate({ system: MEAS_SYSTEM, value: 'fmt' }),
    });

    expect([(await withFormat('fmt')).status, (await withFormat('fmt')).status]).toEqual([201, 200]);
    expect(formatOnly.status).toBe(400);
    expect(issueTexts(formatOnly.body)).toEqual([
      'Conditional Observation operation without search criteria',
    ]);
  });
});

describe('FhirTestServer conditional update (PUT Type?identifier=…)', () => {
  it('should create on no match (201) and update the same resource on the next call (200)', async () => {
    const path = `Observation?${criteria(MEAS_SYSTEM, 'upsert-1')}`;
    const created = await fhirRequest<Observation>(server.baseUrl, 'PUT', path, {
      body: heartRate({ system: MEAS_SYSTEM, value: 'upsert-1' }),
    });
    const updated = await fhirRequest<Observation>(server.baseUrl, 'PUT', path, {
      body: heartRate(
        { system: MEAS_SYSTEM, value: 'upsert-1' },
        { valueQuantity: { value: 70, unit: 'beats/minute' } },
      ),
    });

    expect(created.status).toBe(201);
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.meta?.versionId).toBe('2');
    expect(updated.headers.get('etag')).toBe('W/"2"');
    expect(updated.body.valueQuantity?.value).toBe(70);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'upsert-1')).toBe(1);
  });

  it('should answer 412 and change nothing when more than one resource matches', async () => {
    for (let i = 0; i < 2; i++) {
      await fhirRequest(server.baseUrl, 'POST', 'Observation', {
        body: heartRate({ system: MEAS_SYSTEM, value: 'two' }),
      });
    }
    const answer = await fhirRequest(server.baseUrl, 'PUT', `Observation?${criteria(MEAS_SYSTEM, 'two')}`, {
      body: heartRate({ system: MEAS_SYSTEM, value: 'two' }),
    });

    expect(answer.status).toBe(412);
    const stored = await server.search('Observation', { identifier: `${MEAS_SYSTEM}|two` });
    expect(stored.map((o) => (o['meta'] as { versionId: string }).versionId)).toEqual(['1', '1']);
  });
});

describe('FhirTestServer identifier matching (FHIR token rules)', () => {
  it('should never alias values that contain | or differ only in case', async () => {
    const values = ['a|b', 'a', 'A|B', 'a|B', 'b'];
    for (const value of values) {
      expect((await conditionalCreate(value)).status).toBe(201);
    }
    const again = await Promise.all(values.map((value) => conditionalCreate(value)));

    expect(again.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    for (const value of values) {
      expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, value)).toBe(1);
    }
    const found = await server.search('Observation', { identifier: `${MEAS_SYSTEM}|a\\|b` });
    expect(found.map((o) => o['identifier'])).toEqual([[{ system: MEAS_SYSTEM, value: 'a|b' }]]);
  });

  it('should split system and value at the first unescaped | only', async () => {
    await conditionalCreate('x|y|z');
    await conditionalCreate('x');

    const unescaped = await fhirRequest<Bundle>(
      server.baseUrl,
      'GET',
      `Observation?identifier=${encodeURIComponent(`${MEAS_SYSTEM}|x|y|z`)}`,
    );
    const bySystemOnly = await server.search('Observation', { identifier: `${MEAS_SYSTEM}|` });
    const byValueOnly = await server.search('Observation', { identifier: 'X' });

    expect(entriesOf<Observation>(unescaped.body).map((o) => o.identifier?.[0]?.value)).toEqual(['x|y|z']);
    expect(bySystemOnly).toHaveLength(2);
    expect(byValueOnly).toEqual([]);
  });

  it('should match |value only against identifiers without a system', async () => {
    await fhirRequest(server.baseUrl, 'POST', 'Observation', { body: heartRate({ value: 'no-system' }) });
    await conditionalCreate('no-system');

    expect(await server.search('Observation', { identifier: '|no-system' })).toHaveLength(1);
    expect(await server.search('Observation', { identifier: 'no-system' })).toHaveLength(2);
  });
});
