import { Logger } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { loadDotEnv } from '../../src/config/dotenv.js';
import { exitOnStartupError, runService } from '../../src/service.js';
import { Feeder, linkDemoPatients, type SandboxPatient } from './patients.js';
import { clearRedisPrefix, recreateDatabase, sandboxDatabaseUrl } from './reset.js';
import { loadSandboxSettings, SandboxSettingsError, type SandboxSettings } from './settings.js';
import { serviceEnv, startWorld, type SandboxWorld } from './world.js';

/** What the state file holds: everything a person or a script needs to use the running sandbox. */
interface SandboxState {
  readonly service: string;
  readonly swagger: string;
  readonly fhir: string;
  readonly apiKey: string;
  readonly patients: readonly SandboxPatient[];
  readonly consentPages: { readonly withings: string; readonly fitbit: string };
  readonly feedIntervalMs: number;
}

function writeState(file: string, state: SandboxState): void {
  mkdirSync(dirname(file), { recursive: true });
  // It holds an API key of this throwaway world; still, only its owner reads it.
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

function banner(state: SandboxState, file: string): string {
  const key = `$(node -p "require('./${file}').apiKey")`;
  return [
    '',
    'Open Health Exchange sandbox: simulated Withings and Google Health feed the local FHIR R5 server.',
    `  API + Swagger   ${state.swagger}`,
    `  FHIR server     ${state.fhir}/Observation?subject=Patient/sandbox-patient-1`,
    `  patients        ${state.patients.map((p) => `${p.ehrUserId} (${p.provider})`).join(', ')}`,
    `  new data every  ${String(state.feedIntervalMs / 1000)} s; API key and URLs in ${file}`,
    `  try             curl -H "Authorization: Bearer ${key}" "${state.service}/api/base/sync/status/?ehr_user_id=sandbox-patient-1&provider=withings"`,
    '',
  ].join('\n');
}

async function startSandbox(settings: SandboxSettings): Promise<void> {
  const logger = new Logger('Sandbox');
  const port = Number(process.env['PORT'] ?? '8000');
  const origin = `http://127.0.0.1:${String(port)}`;
  const databaseUrl = sandboxDatabaseUrl(
    process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/ohe',
  );
  const redisKeyPrefix = `${process.env['REDIS_KEY_PREFIX'] ?? 'ohe'}-sandbox`;
  await recreateDatabase(databaseUrl);
  await clearRedisPrefix(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', redisKeyPrefix);
  const world: SandboxWorld = await startWorld(settings);
  Object.assign(process.env, serviceEnv(world, settings, { origin, databaseUrl, redisKeyPrefix }));

  const { app } = await runService();
  const { key } = await app.get(ApiKeyService).create({ name: 'sandbox', role: 'service' });
  const patients = await linkDemoPatients(world, { base: origin, auth: { Authorization: `Bearer ${key}` } });
  const feeder = new Feeder(world, origin, (err: unknown) => {
    logger.warn(`feeding the sandbox failed: ${err instanceof Error ? err.message : String(err)}`);
  });
  feeder.start(settings.feedIntervalMs);
  process.once('SIGTERM', () => void feeder.stop());
  process.once('SIGINT', () => void feeder.stop());

  const state: SandboxState = {
    service: origin,
    swagger: `${origin}/api/docs`,
    fhir: world.fhir.baseUrl,
    apiKey: key,
    patients,
    consentPages: { withings: world.withings.authorizeUrl, fitbit: world.google.authorizeUrl },
    feedIntervalMs: settings.feedIntervalMs,
  };
  writeState(settings.stateFile, state);
  logger.log(`sandbox ready: ${String(patients.length)} patients linked, state in ${settings.stateFile}`);
  process.stderr.write(banner(state, settings.stateFile));
}

try {
  loadDotEnv();
  await startSandbox(loadSandboxSettings(process.env));
} catch (err) {
  if (err instanceof SandboxSettingsError) {
    console.error(err.message);
    process.exit(1);
  }
  const { code, port } = err as { code?: unknown; port?: unknown };
  if (code === 'EADDRINUSE') {
    console.error(
      `The sandbox needs port ${String(port)}, which is taken (another sandbox running?): stop it or set SANDBOX_PORT_BASE`,
    );
    process.exit(1);
  }
  exitOnStartupError(err);
}
