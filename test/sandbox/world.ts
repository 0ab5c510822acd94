import { randomBytes } from 'node:crypto';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { GoogleHealthSimulator } from '../simulators/google-health/google-health-simulator.js';
import { GoogleWebhookSender } from '../simulators/google-health/webhook-sender.js';
import { WithingsSimulator } from '../simulators/withings/withings-simulator.js';
import { portOf, type SandboxSettings } from './settings.js';

/** The simulated outside world the sandboxed service talks to: both providers and the EHR's FHIR server. */
export interface SandboxWorld {
  readonly withings: WithingsSimulator;
  readonly google: GoogleHealthSimulator;
  readonly fhir: FhirTestServer;
  readonly sender: GoogleWebhookSender;
  /** Secrets the simulators present to the service's webhooks. */
  readonly secrets: { readonly withingsPath: string; readonly googleHandshake: string };
  stop(): Promise<void>;
}

const WITHINGS_CLIENT = { clientId: 'sandbox-withings-client', clientSecret: 'sandbox-withings-secret' };
const GOOGLE_CLIENT = {
  clientId: 'sandbox-ohe.apps.googleusercontent.com',
  clientSecret: 'GOCSPX-sandbox-secret',
};

export async function startWorld(settings: SandboxSettings): Promise<SandboxWorld> {
  const [withings, google, fhir] = await Promise.all([
    WithingsSimulator.start({
      ...WITHINGS_CLIENT,
      ports: { api: portOf(settings, 1), account: portOf(settings, 2) },
    }),
    GoogleHealthSimulator.start({
      ...GOOGLE_CLIENT,
      ports: { accounts: portOf(settings, 3), oauth: portOf(settings, 4), api: portOf(settings, 5) },
    }),
    // A sandbox runs for hours: keeping every request for assertions would only grow memory.
    FhirTestServer.start({ port: portOf(settings, 6), recordRequests: false }),
  ]);
  const sender = new GoogleWebhookSender();
  return {
    withings,
    google,
    fhir,
    sender,
    secrets: {
      withingsPath: randomBytes(18).toString('base64url'),
      googleHandshake: randomBytes(18).toString('base64url'),
    },
    stop: async () => {
      await Promise.all([withings.stop(), google.stop(), fhir.stop(), sender.stop()]);
    },
  };
}

/**
 * The service settings that point it at the world. Secrets are fresh per start because the world is: the
 * simulators keep their accounts in memory, so links from an earlier start could never be used again.
 */
export function serviceEnv(
  world: SandboxWorld,
  settings: SandboxSettings,
  service: { readonly origin: string; readonly databaseUrl: string; readonly redisKeyPrefix: string },
): Record<string, string> {
  return {
    DATABASE_URL: service.databaseUrl,
    DATABASE_CREATE_IF_MISSING: 'true',
    MIGRATE_ON_START: 'true',
    REDIS_KEY_PREFIX: service.redisKeyPrefix,
    TOKEN_KEYS: `sandbox1:${randomBytes(32).toString('base64')}`,
    LINK_STATE_SECRET: randomBytes(32).toString('hex'),
    LINK_REDIRECT_ALLOWLIST: service.origin,
    WEBHOOK_PUBLIC_BASE_URL: service.origin,
    WITHINGS_CLIENT_ID: WITHINGS_CLIENT.clientId,
    WITHINGS_CLIENT_SECRET: WITHINGS_CLIENT.clientSecret,
    WITHINGS_AUTHORIZE_URL: world.withings.authorizeUrl,
    WITHINGS_API_BASE_URL: world.withings.baseUrl,
    WITHINGS_WEBHOOK_SECRET: world.secrets.withingsPath,
    GOOGLE_CLIENT_ID: GOOGLE_CLIENT.clientId,
    GOOGLE_CLIENT_SECRET: GOOGLE_CLIENT.clientSecret,
    GOOGLE_AUTHORIZE_URL: world.google.authorizeUrl,
    GOOGLE_TOKEN_URL: world.google.tokenUrl,
    GOOGLE_REVOKE_URL: world.google.revokeUrl,
    GOOGLE_HEALTH_API_BASE_URL: world.google.apiBaseUrl,
    GOOGLE_HEALTH_WEBHOOK_SECRET: world.secrets.googleHandshake,
    GOOGLE_HEALTH_WEBHOOK_KEYSET: world.sender.keysetJson(),
    FHIR_TARGET: 'fhir',
    FHIR_BASE_URL: world.fhir.baseUrl,
    FHIR_AUTH_MODE: 'none',
    SYNC_INITIAL_LOOKBACK_DAYS: String(settings.lookbackDays),
    ROLE: 'all',
  };
}
