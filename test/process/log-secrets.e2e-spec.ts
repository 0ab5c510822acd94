import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { GoogleHealthSimulator } from '../simulators/google-health/google-health-simulator.js';
import { GoogleWebhookSender } from '../simulators/google-health/webhook-sender.js';
import { linkThrough } from '../simulators/shared/link-flow.js';
import { WithingsSimulator } from '../simulators/withings/withings-simulator.js';
import { uniqueRedisPrefix } from '../support/app.js';
import { newEhrUserId } from '../support/fixtures.js';
import { assertBuilt, freePort, ServiceProcess } from '../support/spawn-service.js';
import { TEST_REDIS_URL } from '../support/test-env.js';

const secret = (label: string): string => `${label}-${randomBytes(16).toString('hex')}`;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The built service at LOG_LEVEL=debug, taken through linking, webhooks (genuine and forged), syncs, a token
 * refresh and an unlink. Afterwards every line it wrote is searched for every secret it was configured with and
 * every code and token the simulated providers issued: none may appear.
 */
describe('secrets in the service log', { timeout: 120_000 }, () => {
  const settings = {
    TOKEN_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    LINK_STATE_SECRET: secret('state'),
    WITHINGS_CLIENT_SECRET: secret('withings-client'),
    WITHINGS_WEBHOOK_SECRET: secret('withingshook'),
    GOOGLE_CLIENT_SECRET: secret('GOCSPX'),
    GOOGLE_HEALTH_WEBHOOK_SECRET: secret('googlehook'),
  };
  let withings: WithingsSimulator;
  let google: GoogleHealthSimulator;
  let fhir: FhirTestServer;
  let sender: GoogleWebhookSender;
  let proc: ServiceProcess;
  let base: string;
  let auth: { Authorization: string };
  let apiKey: string;

  beforeAll(async () => {
    assertBuilt();
    [withings, google, fhir] = await Promise.all([
      WithingsSimulator.start({
        appRequestsPerMinute: 100_000,
        clientSecret: settings.WITHINGS_CLIENT_SECRET,
      }),
      GoogleHealthSimulator.start({ clientSecret: settings.GOOGLE_CLIENT_SECRET }),
      FhirTestServer.start(),
    ]);
    sender = new GoogleWebhookSender();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const databaseUrl = inject('databaseUrl');
    proc = new ServiceProcess({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      ROLE: 'all',
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_COMMAND_TIMEOUT_MS: '5000',
      REDIS_KEY_PREFIX: uniqueRedisPrefix(),
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'debug',
      ...settings,
      LINK_REDIRECT_ALLOWLIST: 'https://app.example',
      WEBHOOK_PUBLIC_BASE_URL: base,
      WITHINGS_CLIENT_ID: 'withings-client-id',
      WITHINGS_AUTHORIZE_URL: withings.authorizeUrl,
      WITHINGS_API_BASE_URL: withings.baseUrl,
      GOOGLE_CLIENT_ID: 'ohe-web.apps.googleusercontent.com',
      GOOGLE_AUTHORIZE_URL: google.authorizeUrl,
      GOOGLE_TOKEN_URL: google.tokenUrl,
      GOOGLE_REVOKE_URL: google.revokeUrl,
      GOOGLE_HEALTH_API_BASE_URL: google.apiBaseUrl,
      GOOGLE_HEALTH_WEBHOOK_KEYSET: sender.keysetJson(),
      FHIR_BASE_URL: fhir.baseUrl,
      SYNC_INITIAL_LOOKBACK_DAYS: '1',
      SYNC_SCHEDULES_ENABLED: 'false',
      WITHINGS_QUOTA_PER_MINUTE: '100000',
    });
    await proc.waitFor(`${base}/api/metrics/live`);
    const cli = spawnSync(
      process.execPath,
      [
        join('dist', 'src', 'common', 'auth', 'api-key.cli.js'),
        'create',
        '--name',
        'log-scan',
        '--role',
        'service',
      ],
      { env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl }, encoding: 'utf8' },
    );
    apiKey = (JSON.parse(cli.stdout) as { key: string }).key;
    auth = { Authorization: `Bearer ${apiKey}` };
  });
  afterAll(async () => {
    proc.kill();
    await Promise.all([withings.stop(), google.stop(), fhir.stop(), sender.stop()]);
  });

  const observationsOf = async (ehrUserId: string): Promise<number> =>
    (await fhir.search('Observation', { subject: `Patient/${ehrUserId}` })).length;

  it('should write none of them through linking, webhooks, sync, refresh and unlink', async () => {
    const service = { base, auth };
    const { userid } = withings.addUser();
    const { healthUserId } = google.addUser();
    const [wPatient, gPatient] = [newEhrUserId('log-w'), newEhrUserId('log-g')];
    withings.approveNext(userid);
    const wLinked = await linkThrough(service, 'withings', {
      ehr_user_id: wPatient,
      success_url: 'https://app.example/linked',
    });
    expect(wLinked.confirmed?.status).toBe(200);
    google.approveNext(healthUserId);
    expect((await linkThrough(service, 'fitbit', { ehr_user_id: gPatient })).confirmed?.status).toBe(200);
    await until(
      'both backfills',
      async () => (await observationsOf(wPatient)) > 0 && (await observationsOf(gPatient)) > 0,
    );

    // Genuine and forged webhooks of both providers; the access tokens have expired by then, so syncs refresh.
    withings.advance(4 * 3600_000);
    google.advance(2 * 3600_000);
    const hook = `${base}/webhooks/withings/${settings.WITHINGS_WEBHOOK_SECRET}`;
    const date = Math.floor(Date.now() / 1000) - 300;
    withings.addMeasureGroup(userid, {
      date,
      measures: [{ type: 1, value: 71_500, unit: -3 }],
      device: 'scale',
    });
    expect(await fetch(`${hook}/`, { method: 'HEAD' }).then((r) => r.status)).toBe(200);
    expect(
      await withings.sendNotification(`${hook}/`, {
        userid,
        appli: 1,
        startdate: date - 30,
        enddate: date + 30,
      }),
    ).toBe(202);
    expect((await fetch(`${hook}/typo/`, { method: 'POST' })).status).toBe(404);
    expect(
      (await fetch(`${base}/webhooks/withings/not-the-secret-0000000/`, { method: 'POST' })).status,
    ).toBe(404);
    const googleHook = `${base}/webhooks/fitbit/`;
    expect(await sender.verify(googleHook, settings.GOOGLE_HEALTH_WEBHOOK_SECRET)).toEqual({
      first: 201,
      second: 401,
    });
    const at = new Date(Date.now() - 600_000);
    expect(
      (await sender.post(googleHook, [sender.envelope(healthUserId, 'weight', at, new Date())])).status,
    ).toBe(204);
    expect(
      (await sender.post(googleHook, [sender.envelope(healthUserId, 'weight', at, at)], { tamper: true }))
        .status,
    ).toBe(401);
    await until('the refreshed Withings sync', () => Promise.resolve(withings.tokenCalls >= 2));

    const unlinked = await fetch(`${base}/api/base/link/fitbit/?ehr_user_id=${gPatient}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(unlinked.status).toBe(200);
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);

    const output = `${proc.stdout}\n${proc.stderr}`;
    // The log is verbose enough to have seen all of it: the secret route is there, by its template.
    expect(output).toContain('/webhooks/withings/:token');
    expect(output.split('\n').length).toBeGreaterThan(40);
    const keyMaterial = settings.TOKEN_KEYS.slice(settings.TOKEN_KEYS.indexOf(':') + 1);
    const watched = [
      ...Object.values(settings),
      keyMaterial,
      apiKey,
      ...withings.issuedSecrets(),
      ...google.issuedSecrets(),
    ];
    expect(withings.issuedSecrets().length).toBeGreaterThanOrEqual(3);
    const hits = watched.filter(
      (value) => output.includes(value) || output.includes(encodeURIComponent(value)),
    );
    expect(hits).toEqual([]);
  });
});
