import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { FhirTestServer, type FhirTestServerOptions } from '../../simulators/fhir/fhir-test-server.js';
import { GoogleHealthSimulator } from '../../simulators/google-health/google-health-simulator.js';
import { GoogleWebhookSender } from '../../simulators/google-health/webhook-sender.js';
import { WithingsSimulator } from '../../simulators/withings/withings-simulator.js';
import { freePort } from '../../support/spawn-service.js';
import { CallLog } from './call-log.js';
import { DurableRedis } from './durable-redis.js';
import { PrivatePostgres } from './private-postgres.js';
import { ServiceFleet } from './service.js';

const run = promisify(execFile);

/**
 * The one switch of the FHIR test server's options. Validation is off: the R5 schema is the e2e tests' concern,
 * and on two cores it would cost the suite more CPU than the service under test gets.
 * concurrency: 'concurrent' once available (conditional creates racing as on real servers).
 */
const FHIR_OPTIONS: FhirTestServerOptions = {
  recordRequests: false,
  validate: false,
  concurrency: 'concurrent',
};

export const RECONCILE_INTERVAL_MS = 3_000;
export const RECONCILE_STALE_AFTER_MS = 10_000;

export const IDENTIFIER_BASE = 'https://ohe.chaos';
export const WITHINGS_SECRET = 'withings-chaos-secret-0123456789';
export const GOOGLE_SECRET = 'google-chaos-secret-0123456789';

/** Everything one chaos run needs, started by the suite itself on loopback, and stopped by `stop()` whatever happens. */
export class ChaosEnvironment {
  serviceKey = '';

  private constructor(
    readonly postgres: PrivatePostgres,
    readonly redis: DurableRedis,
    readonly withings: WithingsSimulator,
    readonly google: GoogleHealthSimulator,
    readonly fhir: FhirTestServer,
    readonly sender: GoogleWebhookSender,
    readonly withingsCalls: CallLog,
    readonly googleCalls: CallLog,
    readonly fleet: ServiceFleet,
    readonly db: pg.Pool,
    readonly redisPrefix: string,
  ) {}

  static async start(workers: number): Promise<ChaosEnvironment> {
    const cleanup: Array<() => Promise<unknown>> = [];
    try {
      const postgres = await PrivatePostgres.start();
      cleanup.push(() => postgres.destroy());
      const redis = await DurableRedis.start();
      cleanup.push(() => redis.destroy());
      const [withings, google, fhir] = await Promise.all([
        // The service's own quota (WITHINGS_QUOTA_PER_MINUTE) is what scenario 5 measures; the simulator admits all.
        WithingsSimulator.start({ appRequestsPerMinute: 1_000_000 }),
        GoogleHealthSimulator.start(),
        FhirTestServer.start(FHIR_OPTIONS),
      ]);
      cleanup.push(() => Promise.all([withings.stop(), google.stop(), fhir.stop()]));
      google.setQuotaPerMinute(1_000_000);
      const sender = new GoogleWebhookSender();
      cleanup.push(() => sender.stop());
      const withingsCalls = await CallLog.inFrontOf(withings.baseUrl);
      const googleCalls = await CallLog.inFrontOf(google.apiBaseUrl);
      cleanup.push(() => Promise.all([withingsCalls.stop(), googleCalls.stop()]));

      const databaseUrl = postgres.url();
      await run(process.execPath, ['dist/src/database/cli.js', 'run'], {
        env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl },
        timeout: 60_000,
      });
      const apiPort = await freePort();
      const base = `http://127.0.0.1:${apiPort}`;
      const redisPrefix = `ohe-chaos-${randomBytes(3).toString('hex')}`;
      const fleet = new ServiceFleet({
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: base,
        DATABASE_URL: databaseUrl,
        DATABASE_CREATE_IF_MISSING: 'false',
        MIGRATE_ON_START: 'false',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: redisPrefix,
        LOG_LEVEL: 'warn',
        TOKEN_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        LINK_STATE_SECRET: randomBytes(32).toString('hex'),
        LINK_REDIRECT_ALLOWLIST: 'https://app.example',
        WEBHOOK_PUBLIC_BASE_URL: base,
        WITHINGS_CLIENT_ID: 'withings-client-id',
        WITHINGS_CLIENT_SECRET: 'withings-client-secret',
        WITHINGS_AUTHORIZE_URL: withings.authorizeUrl,
        WITHINGS_API_BASE_URL: withingsCalls.url(withings.baseUrl),
        WITHINGS_WEBHOOK_SECRET: WITHINGS_SECRET,
        GOOGLE_CLIENT_ID: 'ohe-web.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: 'GOCSPX-ohe-secret',
        GOOGLE_AUTHORIZE_URL: google.authorizeUrl,
        GOOGLE_TOKEN_URL: google.tokenUrl,
        GOOGLE_REVOKE_URL: google.revokeUrl,
        GOOGLE_HEALTH_API_BASE_URL: googleCalls.url(google.apiBaseUrl),
        GOOGLE_HEALTH_WEBHOOK_SECRET: GOOGLE_SECRET,
        GOOGLE_HEALTH_WEBHOOK_KEYSET: sender.keysetJson(),
        FHIR_BASE_URL: fhir.baseUrl,
        FHIR_IDENTIFIER_BASE: IDENTIFIER_BASE,
        // A day of history per link keeps the backfills, and the FHIR test server's memory, small.
        SYNC_INITIAL_LOOKBACK_DAYS: '1',
        SYNC_SCHEDULES_ENABLED: 'false',
        SYNC_BACKOFF_MS: '500',
        // Rows whose job a crash lost are found in seconds instead of the production five minutes.
        INBOX_RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
        INBOX_RECONCILE_STALE_AFTER_MS: String(RECONCILE_STALE_AFTER_MS),
        // The load is the point, not the per-provider webhook limit (its own e2e test covers it).
        RATE_LIMIT_WEBHOOKS: '1000000',
        WITHINGS_QUOTA_PER_MINUTE: '100000',
        DATABASE_POOL_SIZE: '5',
        // A hanging FHIR server (scenario 4) costs each call this long; the production default is 15 s.
        FHIR_TIMEOUT_MS: '5000',
        SHUTDOWN_READINESS_DELAY_MS: '1000',
        SHUTDOWN_TIMEOUT_MS: '15000',
      });
      cleanup.push(() => fleet.stop());
      await fleet.start(apiPort, workers);
      const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
      // A stopped Postgres ends pooled connections; the pool reports it here instead of crashing the run.
      db.on('error', () => undefined);
      cleanup.push(() => db.end());
      const env = new ChaosEnvironment(
        postgres,
        redis,
        withings,
        google,
        fhir,
        sender,
        withingsCalls,
        googleCalls,
        fleet,
        db,
        redisPrefix,
      );
      env.cleanup = cleanup;
      env.serviceKey = await env.createServiceKey(databaseUrl);
      return env;
    } catch (err) {
      await runCleanup(cleanup);
      throw err;
    }
  }

  private cleanup: Array<() => Promise<unknown>> = [];

  get base(): string {
    return this.fleet.base();
  }

  get auth(): { Authorization: string } {
    return { Authorization: `Bearer ${this.serviceKey}` };
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query(sql, params)).rows as T[];
  }

  async stop(): Promise<void> {
    await runCleanup(this.cleanup);
  }

  private async createServiceKey(databaseUrl: string): Promise<string> {
    const { stdout } = await run(
      process.execPath,
      ['dist/src/common/auth/api-key.cli.js', 'create', '--name', 'chaos-ehr', '--role', 'service'],
      { env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: databaseUrl }, timeout: 30_000 },
    );
    return (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { key: string }).key;
  }
}

/** Last started, first stopped; one failing step does not keep the others from running. */
async function runCleanup(cleanup: Array<() => Promise<unknown>>): Promise<void> {
  for (const step of cleanup.splice(0).reverse()) {
    await step().catch((err: unknown) => console.error('chaos cleanup:', err));
  }
}
