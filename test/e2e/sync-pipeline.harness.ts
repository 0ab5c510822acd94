import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { RedisService } from '../../src/common/redis/redis.service.js';
import { InboxReconciler, type ReconcileCounts } from '../../src/webhooks/inbox/inbox-reconciler.service.js';
import { FhirTestServer, type FhirTestServerOptions } from '../simulators/fhir/fhir-test-server.js';
import { GoogleHealthSimulator } from '../simulators/google-health/google-health-simulator.js';
import { GoogleWebhookSender } from '../simulators/google-health/webhook-sender.js';
import { WithingsSimulator } from '../simulators/withings/withings-simulator.js';
import { startApp, type TestApp } from '../support/app.js';
import { linkThrough, newKey, providerEnv } from './linking.harness.js';
import { newEhrUserId } from '../support/fixtures.js';

export const IDENTIFIER_BASE = 'https://ohe.test';
export { WEBHOOK_SECRET as WITHINGS_SECRET } from './linking.harness.js';
export const GOOGLE_SECRET = 'google-hook-secret-0123456789';

/** The whole pipeline on loopback: API + workers, both provider simulators, the R5 FHIR test server. */
export interface PipelineHarness {
  readonly t: TestApp;
  readonly base: string;
  readonly auth: { Authorization: string };
  readonly withings: WithingsSimulator;
  readonly google: GoogleHealthSimulator;
  readonly fhir: FhirTestServer;
  readonly sender: GoogleWebhookSender;
  queue(name: QueueName): Queue;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

/**
 * The FHIR test server runs in its concurrent mode by default: conditional creates race there as on real servers,
 * so a pipeline that could write one identifier from two jobs at once shows it as a duplicate.
 */
export async function startPipeline(
  env: Record<string, string> = {},
  fhirOptions: FhirTestServerOptions = { concurrency: 'concurrent' },
): Promise<PipelineHarness> {
  const [withings, google, fhir] = await Promise.all([
    // Several backfills a minute would pass Withings' real 120 calls/min per app (answered with 601 and a
    // minute's wait); the 601 path has its own test.
    WithingsSimulator.start({ appRequestsPerMinute: 100_000 }),
    GoogleHealthSimulator.start(),
    FhirTestServer.start(fhirOptions),
  ]);
  const sender = new GoogleWebhookSender();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t: TestApp = await startApp({
    ROLE: 'all',
    TOKEN_KEYS: `k1:${newKey()}`,
    LINK_STATE_SECRET: randomBytes(32).toString('hex'),
    LINK_REDIRECT_ALLOWLIST: 'https://app.example',
    WEBHOOK_PUBLIC_BASE_URL: base,
    ...providerEnv(withings, google),
    GOOGLE_HEALTH_WEBHOOK_SECRET: GOOGLE_SECRET,
    GOOGLE_HEALTH_WEBHOOK_KEYSET: sender.keysetJson(),
    FHIR_BASE_URL: fhir.baseUrl,
    FHIR_IDENTIFIER_BASE: IDENTIFIER_BASE,
    TOKEN_CALL_TIMEOUT_MS: '2000',
    TOKEN_LOCK_TIMEOUT_MS: '8000',
    // Small enough to keep the FHIR test server quick; the chunking is exercised all the same.
    SYNC_INITIAL_LOOKBACK_DAYS: '2',
    SYNC_BACKOFF_MS: '100',
    SYNC_SCHEDULES_ENABLED: 'false',
    WITHINGS_QUOTA_PER_MINUTE: '100000',
    ...env,
  });
  await t.app.listen(port, '127.0.0.1');
  const { key } = await t.app.get(ApiKeyService).create({ name: 'ehr-backend', role: 'service' });
  return {
    t,
    base,
    withings,
    google,
    fhir,
    sender,
    auth: { Authorization: `Bearer ${key}` },
    queue: (name) => t.app.get<Queue>(getQueueToken(name)),
    stop: async () => {
      await t.close();
      await Promise.all([withings.stop(), google.stop(), fhir.stop(), sender.stop()]);
    },
  };
}

/** Identifiers (`system|value`) that more than one stored resource of these types carries: should be none. */
export async function duplicateIdentifiers(
  fhir: FhirTestServer,
  types: readonly string[] = ['Observation', 'Device', 'DeviceAssociation', 'DiagnosticReport'],
): Promise<string[]> {
  const seen = new Map<string, number>();
  for (const type of types) {
    for (const resource of await fhir.search(type, {})) {
      const identifiers = (resource['identifier'] ?? []) as Array<{ system?: string; value?: string }>;
      for (const i of identifiers) {
        const key = `${type} ${i.system ?? ''}|${i.value ?? ''}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
  }
  return [...seen].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what} (last busy: ${lastBusy})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the last linkIdle() call found busy, for timeout messages. */
export let lastBusy = '';

const PENDING = ['waiting', 'active', 'delayed', 'prioritized'] as const;

/**
 * Nothing left to do for this link: no notification job waiting or running, and no pending sync, device or
 * maintenance job of the link. Other links' jobs (another test's delayed retry) do not count.
 */
export async function linkIdle(h: PipelineHarness, linkId: number): Promise<boolean> {
  const notifications = await h
    .queue(QueueName.Notifications)
    .getJobCounts('waiting', 'active', 'prioritized');
  if (Object.values(notifications).some((n) => n > 0)) {
    lastBusy = `notifications ${JSON.stringify(notifications)}`;
    return false;
  }
  for (const name of [QueueName.UserSync, QueueName.DeviceSync, QueueName.LinkMaintenance]) {
    const jobs = await h.queue(name).getJobs([...PENDING]);
    const mine = jobs.filter((j) => (j.data as { linkId?: number }).linkId === linkId);
    if (mine.length > 0) {
      lastBusy = `${name}: ${mine.map((j) => j.name).join(', ')}`;
      return false;
    }
  }
  return true;
}

/** Status of the link's inbox rows and sync states, for assertions. */
export async function linkRow(
  h: PipelineHarness,
  linkId: number,
): Promise<{ status: string; tokens: boolean }> {
  const rows = await h.t.dataSource.query<{ status: string; access_token_enc: string | null }[]>(
    `SELECT status, access_token_enc FROM provider_links WHERE id = $1`,
    [linkId],
  );
  return { status: rows[0]?.status ?? 'gone', tokens: rows[0]?.access_token_enc !== null };
}

/**
 * Accepts a notification while no worker can take its job, then loses every Redis key of the app (a flushed or
 * replaced Redis), ages the link's inbox rows past the staleness limit and runs one reconciler pass.
 */
export async function acceptThenLoseRedis(
  h: PipelineHarness,
  linkId: number,
  accept: () => Promise<void>,
): Promise<ReconcileCounts> {
  const notifications = h.queue(QueueName.Notifications);
  // Held so no worker takes the job before Redis "fails"; the flush below also drops the pause flag.
  await notifications.pause();
  await accept();
  const redis = h.t.app.get(RedisService);
  const keys = await redis.client.keys(`${h.t.config.redisKeyPrefix}:*`);
  await redis.client.del(...keys);
  if ((await notifications.count()) !== 0) {
    throw new Error('the notification job survived the flush');
  }
  await h.t.dataSource.query(
    `UPDATE notification_inbox SET received_at = received_at - interval '10 minutes',
            queued_at = queued_at - interval '10 minutes' WHERE link_id = $1`,
    [linkId],
  );
  return h.t.app.get(InboxReconciler).reconcileOnce();
}

/**
 * Links a new patient to the provider account the simulator was just armed for (approveNext), through the real
 * OAuth flow, and waits until the link's backfill and device sync are done. Pass `ehrUserId` to link an existing
 * patient (its other provider, say).
 */
export async function linkAndBackfill(
  h: PipelineHarness,
  provider: 'withings' | 'fitbit',
  label: string,
  timeoutMs = 60_000,
  ehrUserId = newEhrUserId(label),
): Promise<{ ehrUserId: string; linkId: number }> {
  const { final } = await linkThrough(h, provider, { ehr_user_id: ehrUserId });
  if (final.status !== 200) {
    throw new Error(`linking answered ${final.status}: ${final.body}`);
  }
  const rows = await h.t.dataSource.query<{ id: number }[]>(
    `SELECT l.id FROM provider_links l JOIN ehr_users u ON u.id = l.user_id WHERE u.ehr_user_id = $1`,
    [ehrUserId],
  );
  const linkId = rows[0]?.id ?? -1;
  await eventually(() => linkIdle(h, linkId), 'the initial backfill', timeoutMs);
  return { ehrUserId, linkId };
}

/** One JSON API call to the harness's service, with the service credential unless other headers are given. */
export async function callApi(
  h: PipelineHarness,
  method: string,
  path: string,
  headers: Record<string, string> = h.auth,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
