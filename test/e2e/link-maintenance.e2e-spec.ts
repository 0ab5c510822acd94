import { getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName, type JobDataByQueue } from '../../src/common/queue/queue-names.js';
import { FhirPublisher } from '../../src/publishers/fhir-publisher.service.js';
import { transformDevice, transformDeviceAssociation } from '../../src/transformers/fhir-transformer.js';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser } from '../support/fixtures.js';

const BASE = 'https://ohe.test';
type MaintenanceJob = Job<JobDataByQueue[QueueName.LinkMaintenance]>;

async function finished(
  queue: Queue<JobDataByQueue[QueueName.LinkMaintenance]>,
  job: MaintenanceJob,
): Promise<{ state: string; value: unknown }> {
  for (let i = 0; i < 200; i++) {
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') {
      const fresh = await queue.getJob(job.id ?? '');
      return { state, value: fresh?.returnvalue ?? fresh?.failedReason };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${job.id ?? '?'} did not finish`);
}

describe('link maintenance worker', () => {
  let server: FhirTestServer;
  let t: TestApp;
  let queue: Queue<JobDataByQueue[QueueName.LinkMaintenance]>;

  beforeAll(async () => {
    server = await FhirTestServer.start();
    t = await startApp({ ROLE: 'all', FHIR_BASE_URL: server.baseUrl, FHIR_IDENTIFIER_BASE: BASE });
    queue = t.app.get(getQueueToken(QueueName.LinkMaintenance));
  });
  afterAll(async () => {
    await t.close();
    await server.stop();
  });

  it('should end the DeviceAssociations of an unlinked provider at the FHIR server, once', async () => {
    const user = await createUser(t.dataSource);
    const link = await createLink(t.dataSource, user, 'withings', { status: 'revoked' });
    const patient = { ehrUserId: user.ehrUserId, fhirPatientId: user.ehrUserId };
    const scale = { provider: 'withings', nativeId: `scale-${user.ehrUserId}` };
    const fitbitTracker = { provider: 'fitbit', nativeId: `tracker-${user.ehrUserId}` };
    const start = '2026-11-01T08:00:00.000Z';
    await t.app.get(FhirPublisher).publish(
      [scale, fitbitTracker].flatMap((device) => [
        transformDevice({ ...device, manufacturer: 'Maker', kind: 'scale', active: true }, patient, {
          identifierBase: BASE,
        }),
        transformDeviceAssociation({ device, patient, start }, { identifierBase: BASE }),
      ]),
    );

    const first = await finished(
      queue,
      await queue.add('end_device_associations', { linkId: link.id, task: 'end_device_associations' }),
    );
    expect(first).toEqual({ state: 'completed', value: '1 device association(s) ended' });
    const associations = await server.search('DeviceAssociation', { subject: `Patient/${user.ehrUserId}` });
    expect(associations).toHaveLength(2);
    const byDevice = new Map(
      associations.map((a) => [(a['identifier'] as Array<{ value: string }>)[0]?.value, a]),
    );
    const ended = byDevice.get(`${user.ehrUserId}:${scale.nativeId}`);
    expect(ended?.['period']).toEqual({ start: '2026-11-01T08:00:00+00:00', end: expect.any(String) });
    expect(JSON.stringify(ended?.['statusReason'])).toContain('disconnected');
    // The other provider's association is untouched.
    expect(byDevice.get(`${user.ehrUserId}:${fitbitTracker.nativeId}`)?.['period']).toEqual({
      start: '2026-11-01T08:00:00+00:00',
    });

    const replay = await finished(
      queue,
      await queue.add('end_device_associations', { linkId: link.id, task: 'end_device_associations' }),
    );
    expect(replay).toEqual({ state: 'completed', value: '0 device association(s) ended' });
    const after = await server.search('DeviceAssociation', { subject: `Patient/${user.ehrUserId}` });
    expect(after).toHaveLength(2);
  });

  it('should skip subscription setup for a link that is no longer usable', async () => {
    const user = await createUser(t.dataSource);
    const link = await createLink(t.dataSource, user, 'withings', { status: 'revoked' });
    const result = await finished(
      queue,
      await queue.add('ensure_subscriptions', { linkId: link.id, task: 'ensure_subscriptions' }),
    );
    expect(result).toEqual({ state: 'completed', value: 'skipped: link revoked' });
  });
});
