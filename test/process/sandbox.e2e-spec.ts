import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearRedisPrefix } from '../sandbox/reset.js';
import { assertBuilt, freePort, ServiceProcess } from '../support/spawn-service.js';
import { ADMIN_DATABASE_URL, TEST_REDIS_URL } from '../support/test-env.js';

const START = join(process.cwd(), 'scripts', 'start.mjs');
const LOINC_WEIGHT = 'http://loinc.org|29463-7';

interface State {
  service: string;
  fhir: string;
  apiKey: string;
  patients: { ehrUserId: string; provider: string }[];
}

async function total(fhir: string, query: Record<string, string>): Promise<number> {
  const params = new URLSearchParams({ ...query, _summary: 'count' });
  const res = await fetch(`${fhir}/Observation?${params.toString()}`);
  return ((await res.json()) as { total: number }).total;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npm start: the sandbox', { timeout: 120_000 }, () => {
  const run = `sbx_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'ohe-sandbox-'));
  const stateFile = join(dir, 'sandbox.json');
  const redisPrefix = `ohe-test-${run}`;
  let proc: ServiceProcess;
  let port: number;

  beforeAll(async () => {
    assertBuilt();
    port = await freePort();
    const databaseUrl = new URL(ADMIN_DATABASE_URL);
    databaseUrl.pathname = `/${run}`;
    proc = new ServiceProcess(
      {
        NODE_ENV: 'development',
        SANDBOX: 'true',
        SANDBOX_PORT_BASE: '0',
        SANDBOX_FEED_INTERVAL_MS: '1000',
        SANDBOX_LOOKBACK_DAYS: '1',
        SANDBOX_STATE_FILE: stateFile,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_COMMAND_TIMEOUT_MS: '5000',
        REDIS_KEY_PREFIX: redisPrefix,
        LOG_LEVEL: 'warn',
      },
      START,
    );
  });

  afterAll(async () => {
    proc.kill();
    await proc.exited;
    const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${run}_sandbox" WITH (FORCE)`);
    await admin.end();
    await clearRedisPrefix(TEST_REDIS_URL, `${redisPrefix}-sandbox`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('should link demo patients, backfill them into the FHIR server, keep feeding new data and stop on SIGTERM', async () => {
    const state = await until(
      'the sandbox state file',
      () =>
        Promise.resolve(
          existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as State) : undefined,
        ),
      90_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nstderr: ${proc.stderr}\nstdout: ${proc.stdout.slice(-4000)}`);
    });
    expect(state.service).toBe(`http://127.0.0.1:${String(port)}`);
    expect(state.patients.map((p) => `${p.ehrUserId}:${p.provider}`)).toEqual([
      'sandbox-patient-1:withings',
      'sandbox-patient-2:fitbit',
    ]);

    // The backfill of each demo link reaches the FHIR server through the real pipeline.
    for (const patient of ['sandbox-patient-1', 'sandbox-patient-2']) {
      await until(
        `${patient}'s backfill`,
        async () => ((await total(state.fhir, { subject: `Patient/${patient}` })) > 0 ? true : undefined),
        60_000,
      );
    }
    // The simulated providers keep weighing both patients and notifying the service's webhooks.
    const before = await total(state.fhir, { subject: 'Patient/sandbox-patient-1', code: LOINC_WEIGHT });
    await until(
      'fed weights of both patients',
      async () =>
        (await total(state.fhir, { subject: 'Patient/sandbox-patient-1', code: LOINC_WEIGHT })) > before &&
        (await total(state.fhir, { subject: 'Patient/sandbox-patient-2', code: LOINC_WEIGHT })) > 0
          ? true
          : undefined,
      60_000,
    );
    const status = await fetch(
      `${state.service}/api/base/sync/status/?ehr_user_id=sandbox-patient-2&provider=fitbit`,
      { headers: { Authorization: `Bearer ${state.apiKey}` } },
    );
    expect(status.status).toBe(200);
    // The feeder keeps syncs coming, so one may be running right now; a success has been recorded either way.
    const body = (await status.json()) as { ehr_user_id: string; status: string; last_sync: string | null };
    expect(body.ehr_user_id).toBe('sandbox-patient-2');
    expect(['completed', 'running']).toContain(body.status);
    expect(body.last_sync).not.toBeNull();

    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it('should refuse a SANDBOX value other than true or false with one clear line', async () => {
    const bad = new ServiceProcess({ SANDBOX: 'maybe', NODE_ENV: 'development' }, START);
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr).toContain('Invalid configuration: SANDBOX (must be true or false, got "maybe")');
  });
});
