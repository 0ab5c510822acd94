import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FhirTestServer } from './fhir-test-server.js';
import { fhirRequest, heartRate, MEAS_SYSTEM } from './fhir-test-client.js';

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

const create = (value: string, signal?: AbortSignal) =>
  fhirRequest(server.baseUrl, 'POST', 'Observation', {
    body: heartRate({ system: MEAS_SYSTEM, value }),
    ...(signal === undefined ? {} : { signal }),
  });

describe('FhirTestServer fault injection', () => {
  it('should answer 503 with an OperationOutcome without processing, then recover', async () => {
    server.injectFault({ status: 503 });

    const failed = await create('f-1');
    const recovered = await create('f-1');

    expect(failed.status).toBe(503);
    expect(failed.body.resourceType).toBe('OperationOutcome');
    expect(failed.body.issue[0]?.code).toBe('transient');
    expect(recovered.status).toBe(201);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'f-1')).toBe(1);
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/fhir/Observation'],
      ['POST', '/fhir/Observation'],
    ]);
  });

  it('should apply faults in order, `times` each, with Retry-After on 429', async () => {
    server.injectFault({ status: 429, times: 2 });
    server.injectFault({ status: 500, retryAfterSeconds: 7 });

    const statuses = [];
    const retryAfter = [];
    for (let i = 0; i < 4; i++) {
      const answer = await create(`f-${i}`);
      statuses.push(answer.status);
      retryAfter.push(answer.headers.get('retry-after'));
    }

    expect(statuses).toEqual([429, 429, 500, 201]);
    expect(retryAfter).toEqual(['1', '1', '7', null]);
  });

  it('should delay an answer by delayMs and still process the request', async () => {
    server.injectFault({ delayMs: 300 });
    const started = performance.now();

    const answer = await create('slow-1');

    expect(answer.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('should hang until the client gives up, and not block later requests', async () => {
    server.injectFault({ hang: true });

    const hung = create('hang-1', AbortSignal.timeout(200));
    await expect(hung).rejects.toThrow(/aborted|timeout/i);
    const next = await create('hang-2');

    expect(next.status).toBe(201);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'hang-1')).toBe(0);
  });
});

describe('FhirTestServer requireBearer', () => {
  let guarded: FhirTestServer;
  const tokens: string[] = ['token-a'];

  beforeAll(async () => {
    guarded = await FhirTestServer.start({ requireBearer: tokens });
  });
  afterAll(async () => {
    await guarded.stop();
  });
  afterEach(() => {
    tokens.splice(1);
  });

  it('should answer 401 without a token and with an unknown one, 2xx with an accepted one', async () => {
    const missing = await fhirRequest(guarded.baseUrl, 'GET', 'Observation');
    const wrong = await fhirRequest(guarded.baseUrl, 'GET', 'Observation', {
      headers: { Authorization: 'Bearer token-b' },
    });
    tokens.push('token-b');
    const added = await fhirRequest(guarded.baseUrl, 'GET', 'Observation', {
      headers: { Authorization: 'Bearer token-b' },
    });

    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="fhir"');
    expect(missing.body.issue[0]?.code).toBe('login');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="fhir", error="invalid_token"');
    expect(added.status).toBe(200);
  });

  it('should leave /metadata and SMART discovery open', async () => {
    const metadata = await fhirRequest(guarded.baseUrl, 'GET', 'metadata');
    const discovery = await fhirRequest(guarded.baseUrl, 'GET', '.well-known/smart-configuration');

    expect(metadata.status).toBe(200);
    expect(discovery.status).toBe(404);
  });

  it('should accept a predicate', async () => {
    const byPredicate = await FhirTestServer.start({ requireBearer: (t) => t.startsWith('ok-') });
    try {
      const yes = await fhirRequest(byPredicate.baseUrl, 'GET', 'Patient', {
        headers: { Authorization: 'Bearer ok-1' },
      });
      const no = await fhirRequest(byPredicate.baseUrl, 'GET', 'Patient', {
        headers: { Authorization: 'Bearer no-1' },
      });
      expect([yes.status, no.status]).toEqual([200, 401]);
    } finally {
      await byPredicate.stop();
    }
  });
});
