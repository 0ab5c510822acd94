import type { Bundle, BundleEntry, Observation } from 'fhir/r5.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FhirTestServer, type FhirConcurrency } from './fhir-test-server.js';
import { fhirRequest, heartRate, MEAS_SYSTEM } from './fhir-test-client.js';

const servers = new Map<FhirConcurrency, FhirTestServer>();

beforeAll(async () => {
  servers.set('serial', await FhirTestServer.start());
  servers.set('concurrent', await FhirTestServer.start({ concurrency: 'concurrent' }));
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
});
beforeEach(() => {
  for (const server of servers.values()) {
    server.reset();
  }
});

const serverOf = (mode: FhirConcurrency): FhirTestServer => {
  const server = servers.get(mode);
  if (server === undefined) {
    throw new Error(`no ${mode} server`);
  }
  return server;
};
const criteria = (value: string): string => `identifier=${encodeURIComponent(`${MEAS_SYSTEM}|${value}`)}`;

function conditionalCreate(server: FhirTestServer, value: string) {
  return fhirRequest<Observation>(server.baseUrl, 'POST', 'Observation', {
    body: heartRate({ system: MEAS_SYSTEM, value }),
    headers: { 'If-None-Exist': criteria(value) },
  });
}

function conditionalUpdate(server: FhirTestServer, value: string, bpm: number) {
  return fhirRequest<Observation>(server.baseUrl, 'PUT', `Observation?${criteria(value)}`, {
    body: heartRate(
      { system: MEAS_SYSTEM, value },
      {
        valueQuantity: {
          value: bpm,
          unit: 'beats/minute',
          system: 'http://unitsofmeasure.org',
          code: '/min',
        },
      },
    ),
  });
}

const transaction = (entries: BundleEntry[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: entries,
});
const createEntry = (value: string): BundleEntry => ({
  resource: heartRate({ system: MEAS_SYSTEM, value }),
  request: { method: 'POST', url: 'Observation', ifNoneExist: criteria(value) },
});

/** Resources two racing writes of one new identifier leave, per mode. */
const RACE_OUTCOMES = [
  ['serial', 1],
  ['concurrent', 2],
] as const;

describe('FhirTestServer concurrency option', () => {
  it('should answer one 201 and one 200 for two simultaneous conditional creates in serial mode', async () => {
    const server = serverOf('serial');
    const answers = await Promise.all([conditionalCreate(server, 'twin'), conditionalCreate(server, 'twin')]);

    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'twin')).toBe(1);
  });

  it('should create twice for two simultaneous conditional creates in concurrent mode, as real servers do', async () => {
    const server = serverOf('concurrent');
    const answers = await Promise.all([conditionalCreate(server, 'twin'), conditionalCreate(server, 'twin')]);

    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'twin')).toBe(2);
    // What a racing server leaves behind: every later conditional create of that identifier answers 412.
    expect((await conditionalCreate(server, 'twin')).status).toBe(412);
  });

  it('should still answer 200 in concurrent mode when the first create committed before the second searched', async () => {
    const server = serverOf('concurrent');
    expect((await conditionalCreate(server, 'one')).status).toBe(201);
    expect((await conditionalCreate(server, 'one')).status).toBe(200);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'one')).toBe(1);
  });

  it.each(RACE_OUTCOMES)(
    'should leave %s conditional updates racing on a new identifier with %i resource(s)',
    async (mode, n) => {
      const server = serverOf(mode);
      const answers = await Promise.all([
        conditionalUpdate(server, 'up', 60),
        conditionalUpdate(server, 'up', 61),
      ]);

      expect(answers.every((a) => a.status === 200 || a.status === 201)).toBe(true);
      expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'up')).toBe(n);
    },
  );

  it.each(RACE_OUTCOMES)(
    'should let %s transactions race on their conditional entries (%i resource(s))',
    async (mode, n) => {
      const server = serverOf(mode);
      const bundle = transaction([createEntry('tx-shared'), createEntry('tx-own')]);
      const answers = await Promise.all(
        [0, 1].map(() => fhirRequest<Bundle>(server.baseUrl, 'POST', '', { body: bundle })),
      );

      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'tx-shared')).toBe(n);
    },
  );

  it('should keep a failing transaction all-or-nothing while others commit in its gap', async () => {
    const server = serverOf('concurrent');
    const failing = transaction([
      createEntry('tx-a'),
      createEntry('tx-b'),
      // Runs after the creates (PUT after POST), past the gap: If-Match on a missing resource fails it with 412.
      {
        resource: heartRate({ system: MEAS_SYSTEM, value: 'tx-x' }, { id: 'nope' }),
        request: { method: 'PUT', url: 'Observation/nope', ifMatch: 'W/"1"' },
      },
    ]);
    const [bad, good] = await Promise.all([
      fhirRequest<Bundle>(server.baseUrl, 'POST', '', { body: failing }),
      fhirRequest<Bundle>(server.baseUrl, 'POST', '', { body: transaction([createEntry('tx-c')]) }),
    ]);

    expect(bad.status).toBe(412);
    expect(good.status).toBe(200);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'tx-a')).toBe(0);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'tx-b')).toBe(0);
    expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, 'tx-c')).toBe(1);
  });

  it('should stay consistent under many parallel plain creates, reads and updates in concurrent mode', async () => {
    const server = serverOf('concurrent');
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fhirRequest<Observation>(server.baseUrl, 'POST', 'Observation', {
          body: heartRate({ system: MEAS_SYSTEM, value: `plain-${i}` }),
        }),
      ),
    );
    expect(created.map((c) => c.status)).toEqual(created.map(() => 201));
    const ids = created.map((c) => c.body.id ?? '');
    expect(new Set(ids).size).toBe(40);

    // Each resource updated 3 times in parallel with reads of every resource.
    const writes = ids.flatMap((id, i) =>
      [1, 2, 3].map((round) =>
        fhirRequest<Observation>(server.baseUrl, 'PUT', `Observation/${id}`, {
          body: heartRate({ system: MEAS_SYSTEM, value: `plain-${i}` }, { id, status: 'amended' }),
        }).then((r) => ({ r, round })),
      ),
    );
    const reads = ids.map((id) => fhirRequest<Observation>(server.baseUrl, 'GET', `Observation/${id}`));
    const [written, read] = await Promise.all([Promise.all(writes), Promise.all(reads)]);

    expect(written.every(({ r }) => r.status === 200)).toBe(true);
    expect(read.every((r) => r.status === 200)).toBe(true);
    for (const [i, id] of ids.entries()) {
      const history = await fhirRequest<Bundle>(server.baseUrl, 'GET', `Observation/${id}/_history`);
      expect(history.body.total).toBe(4);
      const versions = written.filter(({ r }) => r.body.id === id).map(({ r }) => r.body.meta?.versionId);
      expect(versions.sort()).toEqual(['2', '3', '4']);
      expect(await server.countByIdentifier('Observation', MEAS_SYSTEM, `plain-${i}`)).toBe(1);
    }
    expect(await server.search('Observation', {})).toHaveLength(40);
  });
});
