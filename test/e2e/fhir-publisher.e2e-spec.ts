import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTransactionBundles } from '../../src/publishers/bundle-builder.js';
import {
  FhirConfigurationError,
  FhirPermanentError,
  FhirRetryableError,
} from '../../src/publishers/fhir-errors.js';
import type { TransformedResource } from '../../src/transformers/transformed-resource.js';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import {
  device,
  deviceAssociation,
  ecgReport,
  heartRate,
  observationWithoutCode,
  SYSTEM,
  syncBatch,
} from './fhir-publisher.fixtures.js';
import { operationCount, startPublisher, type PublisherHarness } from './fhir-publisher.harness.js';

/** A realistic sync: one device, its association, 20 heart rates, an ECG group, and an identifier needing escapes. */
function syncOfOnePatient(): TransformedResource[] {
  const batch = syncBatch('rep', 20);
  const scale = batch[0]!;
  return [
    ...batch,
    ...ecgReport('ecg-1', scale.fullUrl),
    deviceAssociation('assoc-1', scale.fullUrl),
    heartRate('u1:grp|7,2026-11-20T08:30:00+01:00 50%$x\\y', { device: scale.fullUrl }),
  ];
}

describe('FhirPublisher against the FHIR R5 test server', () => {
  let server: FhirTestServer;
  let harness: PublisherHarness | undefined;

  beforeAll(async () => {
    server = await FhirTestServer.start({ validate: true });
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.reset();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function start(env: Record<string, string> = {}): Promise<PublisherHarness> {
    harness = await startPublisher({ FHIR_BASE_URL: server.baseUrl, ...env });
    return harness;
  }

  const counts = (resources: readonly TransformedResource[]): Promise<number[]> =>
    Promise.all(
      resources.map((r) =>
        server.countByIdentifier(r.resource.resourceType, r.identifier.system, r.identifier.value),
      ),
    );

  it('should leave exactly one resource per identifier after publishing the same batch five times', async () => {
    const { publisher, config } = await start({ FHIR_BATCH_SIZE: '8' });
    const resources = syncOfOnePatient();
    const entries = buildTransactionBundles(resources, config.fhir).flatMap((b) => b.entry ?? []);
    const bundles = buildTransactionBundles(resources, config.fhir).length;
    const puts = entries.filter((e) => e.request?.method === 'PUT').length;

    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await publisher.publish(resources));
    }

    // 25 resources in bundles of at most 8, the device repeated in each: 4 bundles, so the repeats are exercised.
    expect(bundles).toBe(4);
    // The device rides along in every bundle: created by the first, found again by the others.
    expect(results[0]).toMatchObject({
      created: resources.length,
      updated: 0,
      unchanged: entries.length - resources.length,
      rejected: 0,
      bundles,
    });
    for (const later of results.slice(1)) {
      expect(later).toMatchObject({
        created: 0,
        updated: puts,
        unchanged: entries.length - puts,
        rejected: 0,
        bundles,
      });
    }
    expect(await counts(resources)).toEqual(resources.map(() => 1));
    expect(server.requests).toHaveLength(5 * bundles);
  });

  // The serial server decides each conditional write before the next request starts, so this holds only there;
  // the next test shows a racing server, and why the pipeline never publishes one link from two jobs at once.
  it.each(['conditional-update', 'conditional-create'])(
    'should leave exactly one resource per identifier after eight identical publishes at once (%s)',
    async (mode) => {
      const { publisher } = await start({ FHIR_WRITE_MODE: mode, FHIR_BATCH_SIZE: '10' });
      const resources = syncOfOnePatient();

      // allSettled: a failed publish must not leave the others writing into the next test.
      const settled = await Promise.allSettled(Array.from({ length: 8 }, () => publisher.publish(resources)));

      expect(settled.map((s) => s.status)).toEqual(settled.map(() => 'fulfilled'));
      const created = settled.map((s) => (s.status === 'fulfilled' ? s.value.created : 0));
      expect(created.reduce((sum, n) => sum + n, 0)).toBe(resources.length);
      expect(await counts(resources)).toEqual(resources.map(() => 1));
    },
  );

  it('should duplicate resources when identical publishes overlap at a server whose conditional writes race', async () => {
    const racing = await FhirTestServer.start({ concurrency: 'concurrent', conditionalGapMs: 50 });
    const other = await startPublisher({ FHIR_BASE_URL: racing.baseUrl });
    try {
      const resources = syncOfOnePatient();
      await Promise.all([0, 1].map(() => other.publisher.publish(resources)));
      const duplicated = await Promise.all(
        resources.map((r) =>
          racing.countByIdentifier(r.resource.resourceType, r.identifier.system, r.identifier.value),
        ),
      );
      // What HAPI or Medplum would do too: only the per-link lease keeps this from happening in the service.
      expect(duplicated.every((n) => n === 2)).toBe(true);
    } finally {
      await other.close();
      await racing.stop();
    }
  });

  it('should update a changed measurement in place in conditional-update mode', async () => {
    const { publisher } = await start();
    await publisher.publish([heartRate('m1', { value: 72 })]);
    const [before] = await server.search('Observation', { identifier: `${SYSTEM}/heart_rate|m1` });

    const result = await publisher.publish([heartRate('m1', { value: 80 })]);

    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 0, rejected: 0, bundles: 1 });
    const stored = await server.search('Observation', { identifier: `${SYSTEM}/heart_rate|m1` });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.['id']).toBe(before?.['id']);
    expect(stored[0]?.['valueQuantity']).toMatchObject({ value: 80 });
  });

  it('should keep the first value in conditional-create mode', async () => {
    const { publisher } = await start({ FHIR_WRITE_MODE: 'conditional-create' });
    await publisher.publish([heartRate('m1', { value: 72 })]);

    const result = await publisher.publish([heartRate('m1', { value: 80 })]);

    expect(result).toMatchObject({ created: 0, updated: 0, unchanged: 1, rejected: 0, bundles: 1 });
    const stored = await server.search('Observation', { identifier: `${SYSTEM}/heart_rate|m1` });
    expect(stored.map((o) => o['valueQuantity'])).toMatchObject([{ value: 72 }]);
  });

  it('should surface a 503 as a retryable error and a 429 with its Retry-After', async () => {
    const { publisher } = await start();
    server.injectFault({ status: 503 });
    server.injectFault({ status: 429, retryAfterSeconds: 7 });

    const unavailable = await publisher.publish([heartRate('m1')]).catch((e: unknown) => e);
    const limited = await publisher.publish([heartRate('m1')]).catch((e: unknown) => e);

    expect(unavailable).toBeInstanceOf(FhirRetryableError);
    expect(unavailable).toMatchObject({ retryable: true, reason: 'server', status: 503 });
    expect(limited).toMatchObject({
      retryable: true,
      reason: 'rate-limited',
      status: 429,
      retryAfterMs: 7000,
    });
    expect(await counts([heartRate('m1')])).toEqual([0]);
  });

  it('should open the breaker after five consecutive 503s and then fail fast without reaching the server', async () => {
    const { publisher } = await start();
    server.injectFault({ status: 503, times: 5 });
    const openedBefore = await operationCount({
      operation: 'transaction',
      resource_type: 'Bundle',
      status: 'circuit_open',
    });

    for (let i = 0; i < 5; i++) {
      await expect(publisher.publish([heartRate('m1')])).rejects.toMatchObject({
        reason: 'server',
        status: 503,
      });
    }
    expect(server.requests).toHaveLength(5);
    const sixth = await publisher.publish([heartRate('m1')]).catch((e: unknown) => e);

    expect(sixth).toBeInstanceOf(FhirRetryableError);
    expect(sixth).toMatchObject({ retryable: true, reason: 'circuit-open' });
    expect((sixth as FhirRetryableError).retryAfterMs).toBeGreaterThan(55_000);
    expect((sixth as FhirRetryableError).retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(server.requests).toHaveLength(5);
    expect(
      await operationCount({ operation: 'transaction', resource_type: 'Bundle', status: 'circuit_open' }),
    ).toBe(openedBefore + 1);
  });

  it('should not count a rejected bundle against the breaker', async () => {
    const { publisher } = await start();
    const noCode = observationWithoutCode('bad');

    for (let i = 0; i < 6; i++) {
      await expect(publisher.publish([noCode])).rejects.toBeInstanceOf(FhirPermanentError);
    }
    expect(server.requests).toHaveLength(6);
    expect(await publisher.publish([heartRate('m1')])).toMatchObject({ created: 1 });
  });

  it('should make a hung request a retryable timeout', async () => {
    const { publisher } = await start({ FHIR_TIMEOUT_MS: '300' });
    server.injectFault({ hang: true });

    const error = await publisher.publish([heartRate('m1')]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirRetryableError);
    expect(error).toMatchObject({ reason: 'timeout', message: 'FHIR transaction timed out' });
  });

  it('should reject a schema-invalid resource with a FhirPermanentError carrying the OperationOutcome', async () => {
    const { publisher } = await start();
    const valid = heartRate('ok');
    const noCode = observationWithoutCode('bad');

    const error = await publisher.publish([valid, noCode]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirPermanentError);
    const permanent = error as FhirPermanentError;
    expect(permanent.retryable).toBe(false);
    expect(permanent.status).toBe(400);
    expect(permanent.issues.length).toBeGreaterThan(0);
    expect(permanent.issues[0]?.severity).toBe('error');
    expect(permanent.message).toMatch(/^FHIR transaction rejected: HTTP 400 \(error\//);
    // All or nothing: the valid resource of the same bundle was not written either.
    expect(await counts([valid, noCode])).toEqual([0, 0]);
  });

  it('should count the transaction and each entry in ohe_fhir_operations_total', async () => {
    const { publisher } = await start();
    const scale = device('d1');
    const labels = [
      { operation: 'transaction', resource_type: 'Bundle', status: 'success' },
      { operation: 'conditional-create', resource_type: 'Device', status: 'created' },
      { operation: 'conditional-update', resource_type: 'Observation', status: 'created' },
    ];
    const before = await Promise.all(labels.map(operationCount));

    await publisher.publish([scale, heartRate('m1', { device: scale.fullUrl }), heartRate('m2')]);

    expect(await Promise.all(labels.map(operationCount))).toEqual([
      before[0]! + 1,
      before[1]! + 1,
      before[2]! + 2,
    ]);
  });

  it('should refuse to publish with a FhirConfigurationError when FHIR_BASE_URL is not set', async () => {
    harness = await startPublisher({});

    const error = await harness.publisher.publish([heartRate('m1')]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirConfigurationError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('FHIR_BASE_URL') });
    expect(await harness.publisher.publish([])).toMatchObject({
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: 0,
      bundles: 0,
    });
  });
});
