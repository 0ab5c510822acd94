import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { CircuitBreakerRegistry } from '../../src/common/resilience/circuit-breaker.registry.js';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { newWithingsUser, WEBHOOK_SECRET } from './linking.harness.js';
import { call, createOrganization, keyFor } from './organizations.harness.js';
import {
  eventually,
  linkAndBackfill,
  linkIdle,
  startPipeline,
  type PipelineHarness,
} from './sync-pipeline.harness.js';

interface Tenant {
  readonly slug: string;
  readonly fhir: FhirTestServer;
  readonly ehrUserId: string;
  readonly userid: number;
  readonly linkId: number;
}

/** Whether the server stores an Observation whose identifier value contains `value`. */
async function stores(fhir: FhirTestServer, value: string): Promise<boolean> {
  const found = await fhir.search('Observation', {});
  return found.some((o) => JSON.stringify(o['identifier'] ?? []).includes(value));
}

/** Two organizations, each with its own FHIR server (and bearer token), next to the default one. */
describe('organizations: each organization publishes to its own target', () => {
  let h: PipelineHarness;
  let a: Tenant;
  let b: Tenant;

  /** Plants a weight `agoS` seconds back and notifies it; returns the identifier value its Observation carries. */
  async function newWeight(t: Tenant, kg: number, agoS = 600): Promise<string> {
    const date = Math.floor(Date.now() / 1000) - agoS;
    const group = h.withings.addMeasureGroup(t.userid, {
      date,
      measures: [{ type: 1, value: kg * 1000, unit: -3 }],
      device: 'scale',
    });
    const status = await h.withings.sendNotification(`${h.base}/webhooks/withings/${WEBHOOK_SECRET}`, {
      userid: t.userid,
      appli: 1,
      startdate: date - 30,
      enddate: date + 30,
    });
    expect(status).toBe(202);
    return `${t.ehrUserId}:${group.grpid}:1`;
  }

  async function tenant(label: string): Promise<Tenant> {
    const token = `token-${label}-${randomBytes(6).toString('hex')}`;
    const fhir = await FhirTestServer.start({ concurrency: 'concurrent', requireBearer: [token] });
    const slug = `${label}-${randomBytes(3).toString('hex')}`;
    const id = await createOrganization(h, await keyFor(h, 'platform'), {
      slug,
      name: label,
      fhir_base_url: fhir.baseUrl,
      fhir_auth: { kind: 'static_header', value: token },
    });
    const auth = (await keyFor(h, 'service', id)) as { Authorization: string };
    const userid = newWithingsUser(h.withings);
    h.withings.addMeasureGroup(userid, {
      date: Math.floor(Date.now() / 1000) - 3600,
      measures: [{ type: 1, value: 80_000, unit: -3 }],
      device: 'scale',
    });
    h.withings.approveNext(userid);
    const linked = await linkAndBackfill({ ...h, auth }, 'withings', label, 60_000);
    return { slug, fhir, userid, ...linked };
  }

  const breakerOf = async (t: Tenant): Promise<string | undefined> =>
    (await h.t.app.get(CircuitBreakerRegistry).states()).find((s) => s.breaker === `fhir:org:${t.slug}`)
      ?.state;

  beforeAll(async () => {
    h = await startPipeline();
    a = await tenant('org-a');
    b = await tenant('org-b');
  }, 120_000);
  afterAll(async () => {
    await h.stop();
    await Promise.all([a.fhir.stop(), b.fhir.stop()]);
  });

  it("should land each organization's data at its own FHIR server only", async () => {
    const names = (fhir: FhirTestServer, t: Tenant): boolean =>
      fhir.requests.some((r) => r.method === 'POST' && JSON.stringify(r.body ?? '').includes(t.ehrUserId));
    expect([names(a.fhir, a), names(a.fhir, b)]).toEqual([true, false]);
    expect([names(b.fhir, b), names(b.fhir, a)]).toEqual([true, false]);
    expect([names(h.fhir, a), names(h.fhir, b)]).toEqual([false, false]);
    expect(await stores(a.fhir, a.ehrUserId)).toBe(true);
    expect(await stores(b.fhir, b.ehrUserId)).toBe(true);
  });

  it("should serve B on time while A's target answers 503 and A's breaker is open, then drain A", async () => {
    a.fhir.injectFault({ status: 503, times: 100_000 });
    const aWeight = await newWeight(a, 71);
    await eventually(async () => (await breakerOf(a)) === 'open', "A's breaker to open", 30_000);

    const sent = Date.now();
    const bWeight = await newWeight(b, 72);
    await eventually(() => stores(b.fhir, bWeight), "B's new weight at B", 15_000);
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(await breakerOf(a)).toBe('open');
    expect(await breakerOf(b)).toBe('closed');
    expect(await stores(a.fhir, aWeight)).toBe(false);

    // A recovers: its held-back sync runs again (promoted rather than waiting out the breaker's minute).
    a.fhir.clearFaults();
    await h.t.app.get(CircuitBreakerRegistry).forceClose(`fhir:org:${a.slug}`);
    for (const name of [QueueName.Notifications, QueueName.UserSync]) {
      for (const job of await h.queue(name).getJobs(['delayed'])) {
        await job.promote();
      }
    }
    await eventually(() => stores(a.fhir, aWeight), "A's weight at A once it answers again", 30_000);
    await eventually(() => linkIdle(h, a.linkId), "A's link to be idle", 30_000);
    expect(await stores(b.fhir, aWeight)).toBe(false);
    expect(await stores(h.fhir, aWeight)).toBe(false);
  }, 90_000);

  it("should publish to an organization's new target from the next sync after a PATCH", async () => {
    const token = `token-c-${randomBytes(6).toString('hex')}`;
    const moved = await FhirTestServer.start({ requireBearer: [token] });
    try {
      const res = await call(h, await keyFor(h, 'platform'), 'PATCH', `/api/base/organizations/${b.slug}/`, {
        fhir_base_url: moved.baseUrl,
        fhir_auth: { kind: 'static_header', value: token },
      });
      expect(res.status).toBe(200);
      // Another window than B's last weight: a repeated notification of one window is deduplicated.
      const weight = await newWeight(b, 73, 1800);
      await eventually(() => stores(moved, weight), "B's weight at B's new target", 15_000);
      expect(await stores(b.fhir, weight)).toBe(false);
    } finally {
      await moved.stop();
    }
  });
});
