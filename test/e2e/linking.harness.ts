import { randomBytes } from 'node:crypto';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { startApp, type TestApp } from '../support/app.js';
import { GoogleHealthSimulator } from '../simulators/google-health/google-health-simulator.js';
import { startCallbackTarget, type CallbackTarget } from '../simulators/shared/test-client.js';
import { WithingsSimulator } from '../simulators/withings/withings-simulator.js';

export { hop, linkThrough, type Hop } from '../simulators/shared/link-flow.js';

export const APP_ORIGIN = 'https://app.example';
export const WEBHOOK_SECRET = 'withings-hook-secret-0123456789';

export const newKey = (): string => randomBytes(32).toString('base64');

/** A running service wired to both provider simulators, listening on loopback so redirects can be followed. */
export interface LinkingHarness {
  readonly t: TestApp;
  readonly base: string;
  readonly withings: WithingsSimulator;
  readonly google: GoogleHealthSimulator;
  readonly hook: CallbackTarget;
  readonly auth: { Authorization: string };
  readonly stateSecret: string;
  stop(): Promise<void>;
}

/** OAuth clients and endpoints of both providers pointed at their simulators (Withings webhook secret included). */
export function providerEnv(
  withings: WithingsSimulator,
  google: GoogleHealthSimulator,
): Record<string, string> {
  return {
    WITHINGS_CLIENT_ID: 'withings-client-id',
    WITHINGS_CLIENT_SECRET: 'withings-client-secret',
    WITHINGS_AUTHORIZE_URL: withings.authorizeUrl,
    WITHINGS_API_BASE_URL: withings.baseUrl,
    WITHINGS_WEBHOOK_SECRET: WEBHOOK_SECRET,
    GOOGLE_CLIENT_ID: 'ohe-web.apps.googleusercontent.com',
    GOOGLE_CLIENT_SECRET: 'GOCSPX-ohe-secret',
    GOOGLE_AUTHORIZE_URL: google.authorizeUrl,
    GOOGLE_TOKEN_URL: google.tokenUrl,
    GOOGLE_REVOKE_URL: google.revokeUrl,
    GOOGLE_HEALTH_API_BASE_URL: google.apiBaseUrl,
  };
}

export async function startLinkingHarness(env: Record<string, string> = {}): Promise<LinkingHarness> {
  const withings = await WithingsSimulator.start();
  const google = await GoogleHealthSimulator.start();
  const hook = await startCallbackTarget(200);
  const stateSecret = randomBytes(32).toString('hex');
  const t = await startApp({
    // The API side only: these tests assert what linking queues, so no worker may consume it meanwhile.
    ROLE: 'api',
    TOKEN_KEYS: `k1:${newKey()}`,
    LINK_STATE_SECRET: stateSecret,
    LINK_REDIRECT_ALLOWLIST: `${APP_ORIGIN},https://portal.example/ehr/`,
    WEBHOOK_PUBLIC_BASE_URL: new URL(hook.url).origin,
    ...providerEnv(withings, google),
    TOKEN_CALL_TIMEOUT_MS: '3000',
    TOKEN_LOCK_TIMEOUT_MS: '8000',
    ...env,
  });
  await t.app.listen(0, '127.0.0.1');
  const base = await t.app.getUrl();
  const { key } = await t.app.get(ApiKeyService).create({ name: 'ehr-backend', role: 'service' });
  return {
    t,
    base: base.replace('[::1]', '127.0.0.1'),
    withings,
    google,
    hook,
    auth: { Authorization: `Bearer ${key}` },
    stateSecret,
    stop: async () => {
      await t.close();
      await Promise.all([withings.stop(), google.stop(), hook.stop()]);
    },
  };
}

/**
 * Sandbox users with random provider ids: every simulator numbers its users from the same start, and test files
 * share one database, so fixed ids would make files "move" each other's links.
 */
export function newWithingsUser(sim: WithingsSimulator): number {
  return sim.addUser({ userid: 100_000_000 + (randomBytes(4).readUInt32BE(0) % 1_000_000_000) }).userid;
}

export function newGoogleUser(sim: GoogleHealthSimulator): { healthUserId: string; legacyUserId: string } {
  return sim.addUser({ healthUserId: `9${BigInt(`0x${randomBytes(7).toString('hex')}`).toString()}` });
}
