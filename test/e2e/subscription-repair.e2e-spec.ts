import { getQueueToken } from '@nestjs/bullmq';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { Queue } from 'bullmq';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { MaintenanceProcessor } from '../../src/ingestors/processors/maintenance.processor.js';
import { METRIC } from '../../src/metrics/metric-names.js';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { startApp, uniqueRedisPrefix, type TestApp } from '../support/app.js';
import { newEhrUserId } from '../support/fixtures.js';
import { ownDatabase, TEST_REDIS_URL } from '../support/test-env.js';
import {
  linkThrough,
  newKey,
  newWithingsUser,
  providerEnv,
  startLinkingHarness,
  WEBHOOK_SECRET,
  type LinkingHarness,
} from './linking.harness.js';

const CLI = 'dist/src/ingestors/subscriptions/subscriptions.cli.js';
const APPLIS = [1, 2, 4, 16, 44, 46, 54, 62];
const ROTATED_SECRET = 'withings-hook-secret-rotated-9876543210';
type Action = 'added' | 'replaced' | 'removed';

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Withings subscription repair', () => {
  let db: { url: string; drop: () => Promise<void> };
  let fhir: FhirTestServer;
  let h: LinkingHarness;
  const tokenKeys = `k1:${newKey()}`;

  const repairs = async (t: TestApp, action: Action): Promise<number> => {
    const counter = t.app.get<Counter<'provider' | 'action'>>(getToken(METRIC.subscriptionRepairs));
    const value = (await counter.get()).values.find(
      (v) => v.labels['provider'] === 'withings' && v.labels['action'] === action,
    );
    return value?.value ?? 0;
  };
  const callbacks = (userid: number, secret: string): string[] =>
    h.withings
      .subscriptions(userid)
      .filter((s) => s.callbackurl === `${new URL(h.hook.url).origin}/webhooks/withings/${secret}`)
      .map((s) => String(s.appli));
  const linkWithings = async (): Promise<{ linkId: number; userid: number }> => {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    const ehrUserId = newEhrUserId('subs');
    expect((await linkThrough(h, 'withings', { ehr_user_id: ehrUserId })).final.status).toBe(200);
    const [row] = await h.t.dataSource.query<{ id: number }[]>(
      `SELECT id FROM provider_links WHERE external_user_id = $1`,
      [String(userid)],
    );
    // Subscribed at link time by the link-maintenance job.
    await eventually(
      () => callbacks(userid, WEBHOOK_SECRET).length === APPLIS.length,
      'link-time subscriptions',
    );
    return { linkId: Number(row?.id), userid };
  };

  beforeAll(async () => {
    db = await ownDatabase('subs');
    fhir = await FhirTestServer.start();
    h = await startLinkingHarness({
      ROLE: 'all',
      DATABASE_URL: db.url,
      MIGRATE_ON_START: 'true',
      TOKEN_KEYS: tokenKeys,
      FHIR_BASE_URL: fhir.baseUrl,
      FHIR_IDENTIFIER_BASE: 'https://ohe.test',
    });
  });
  afterAll(async () => {
    await h.stop();
    await fhir.stop();
    await db.drop();
  });

  it('should register the nightly subscription check once per deployment', async () => {
    const processor = h.t.app.get(MaintenanceProcessor);
    await processor.registerSchedules();
    await processor.registerSchedules();
    const queue = h.t.app.get<Queue>(getQueueToken(QueueName.Maintenance));
    const schedulers = (await queue.getJobSchedulers()).map((s) => [s.key, s.pattern, s.tz]);
    expect(schedulers.filter(([key]) => key === 'subscriptions')).toEqual([
      ['subscriptions', '0 2 * * *', 'UTC'],
    ]);
  });

  it('should subscribe again, at the nightly check, what Withings cancelled after failed deliveries', async () => {
    const { userid } = await linkWithings();
    h.withings.cancelSubscriptions(userid);
    expect(h.withings.subscriptions(userid)).toEqual([]);
    const before = await repairs(h.t, 'added');

    const queue = h.t.app.get<Queue>(getQueueToken(QueueName.Maintenance));
    await queue.add('subscriptions', { task: 'subscriptions' });

    await eventually(async () => (await repairs(h.t, 'added')) - before === APPLIS.length, 'the repair');
    expect(callbacks(userid, WEBHOOK_SECRET).sort((a, b) => Number(a) - Number(b))).toEqual(
      APPLIS.map(String),
    );
    expect(h.withings.subscriptions(userid)).toHaveLength(APPLIS.length);
  });

  it('should move the subscriptions to the new callback URL after a secret rotation and the repair command', async () => {
    const { linkId, userid } = await linkWithings();
    // The deployment restarts with the rotated secret (same database, keys and public URL).
    const prefix = uniqueRedisPrefix();
    const rotated = await startApp({
      ROLE: 'worker',
      DATABASE_URL: db.url,
      REDIS_KEY_PREFIX: prefix,
      TOKEN_KEYS: tokenKeys,
      LINK_STATE_SECRET: h.stateSecret,
      WEBHOOK_PUBLIC_BASE_URL: new URL(h.hook.url).origin,
      ...providerEnv(h.withings, h.google),
      WITHINGS_WEBHOOK_SECRET: ROTATED_SECRET,
      FHIR_BASE_URL: fhir.baseUrl,
      FHIR_IDENTIFIER_BASE: 'https://ohe.test',
      TOKEN_CALL_TIMEOUT_MS: '3000',
    });
    try {
      // One prom-client registry per process: both apps count into the same series.
      const before = { added: await repairs(rotated, 'added'), replaced: await repairs(rotated, 'replaced') };
      const { stdout } = await promisify(execFile)('node', [CLI, 'repair', '--link', String(linkId)], {
        env: {
          PATH: process.env['PATH'],
          DATABASE_URL: db.url,
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
        },
      });
      expect(stdout).toBe(`Queued a subscription repair for 1 active Withings link(s)\n`);

      await eventually(
        async () => (await repairs(rotated, 'replaced')) - before.replaced === APPLIS.length,
        'the repair',
      );
      expect(callbacks(userid, ROTATED_SECRET).sort((a, b) => Number(a) - Number(b))).toEqual(
        APPLIS.map(String),
      );
      // Only the new callback is left: the old secret's subscriptions were revoked.
      expect(h.withings.subscriptions(userid)).toHaveLength(APPLIS.length);
      expect((await repairs(rotated, 'added')) - before.added).toBe(0);
    } finally {
      await rotated.close();
    }
  });

  it('should refuse a link that is not an active Withings link', async () => {
    await expect(
      promisify(execFile)('node', [CLI, 'repair', '--link', '999999999'], {
        env: { PATH: process.env['PATH'], DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: 'Link 999999999 is not an active Withings link\n' });
  });
});
