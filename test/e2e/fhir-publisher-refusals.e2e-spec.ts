import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FhirPermanentError } from '../../src/publishers/fhir-errors.js';
import { MAX_ISOLATION_REQUESTS } from '../../src/publishers/refusal-isolation.js';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { ecgReport, SYSTEM, syncBatch } from './fhir-publisher.fixtures.js';
import { startPublisher, type PublisherHarness } from './fhir-publisher.harness.js';

/** A transaction is all-or-nothing: the publisher must find the resources a 422 is about and write the rest. */
describe('FhirPublisher: resources the server refuses', () => {
  let server: FhirTestServer;
  let harness: PublisherHarness;

  beforeAll(async () => {
    server = await FhirTestServer.start({ validate: true });
    harness = await startPublisher({ FHIR_BASE_URL: server.baseUrl, FHIR_BATCH_SIZE: '100' });
  });
  afterEach(() => {
    server.reset();
  });
  afterAll(async () => {
    await harness.close();
    await server.stop();
  });

  const stored = (system: string, value: string): Promise<number> =>
    server.countByIdentifier('Observation', system, value);

  it('should write every other resource and report the refused one, in a bounded number of transactions', async () => {
    const batch = syncBatch('iso', 60);
    const ecg = ecgReport('ecg-iso', batch[0]!.fullUrl);
    server.refuseIdentifier('iso:17');

    const result = await harness.publisher.publish([...batch, ...ecg]);

    expect(result.refused).toEqual([
      { resourceType: 'Observation', identifierSystem: `${SYSTEM}/heart_rate` },
    ]);
    expect(result.rejected).toBe(1);
    expect(await stored(`${SYSTEM}/heart_rate`, 'iso:17')).toBe(0);
    for (const i of [0, 16, 18, 59]) {
      expect(await stored(`${SYSTEM}/heart_rate`, `iso:${i}`)).toBe(1);
    }
    // The ECG group stays whole and is written with the others.
    for (const r of ecg) {
      expect(
        await server.countByIdentifier(r.resource.resourceType, r.identifier.system, r.identifier.value),
      ).toBe(1);
    }
    expect(server.requests.filter((r) => r.method === 'POST').length).toBeLessThanOrEqual(
      1 + MAX_ISOLATION_REQUESTS,
    );
  });

  it('should fail as before when finding the refused resources would pass the budget', async () => {
    const batch = syncBatch('many', 60);
    for (let i = 0; i < 60; i += 3) {
      server.refuseIdentifier(`many:${i}`);
    }
    await expect(harness.publisher.publish(batch)).rejects.toBeInstanceOf(FhirPermanentError);
    expect(server.requests.filter((r) => r.method === 'POST').length).toBeLessThanOrEqual(
      1 + MAX_ISOLATION_REQUESTS,
    );
  });

  it('should not split a bundle the server refuses with 400 (a malformed request is ours)', async () => {
    server.injectFault({ status: 400 });
    await expect(harness.publisher.publish(syncBatch('bad', 10))).rejects.toBeInstanceOf(FhirPermanentError);
    expect(server.requests).toHaveLength(1);
  });
});
