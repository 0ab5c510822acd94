import { isIP } from 'node:net';
import { KeyRingError, parseKeyRing, type KeyRing } from '../common/crypto/token-cipher.js';
import type { LinkingEnvironmentVariables } from './linking.env.js';

export interface OAuthClientConfig {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface WithingsLinkConfig {
  /** Undefined when WITHINGS_CLIENT_ID/SECRET are unset: linking Withings then answers 503. */
  readonly client: OAuthClientConfig | undefined;
  readonly authorizeUrl: string;
  readonly apiBaseUrl: string;
  readonly scopes: readonly string[];
  readonly webhookSecret: string | undefined;
  /** IPs / CIDRs notifications must come from (checked against the client address); empty allows any. */
  readonly webhookIpAllowlist: readonly string[];
}

export interface GoogleHealthLinkConfig {
  readonly client: OAuthClientConfig | undefined;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  readonly apiBaseUrl: string;
  readonly scopes: readonly string[];
  readonly projectNumber: string | undefined;
  readonly subscriberId: string;
  readonly webhookSecret: string | undefined;
}

export interface LinkingConfig {
  /** Undefined when TOKEN_KEYS is unset: nothing can be linked (tokens could not be stored). */
  readonly keyRing: KeyRing | undefined;
  readonly stateSecret: string | undefined;
  readonly redirectAllowlist: readonly string[];
  /** Whether a completed consent waits for the clinical app's confirmation (see LINK_CONFIRMATION). */
  readonly confirmation: { readonly required: boolean; readonly ttlS: number };
  readonly webhookBaseUrl: string | undefined;
  readonly tokenCallTimeoutMs: number;
  readonly tokenLockTimeoutMs: number;
  readonly withings: WithingsLinkConfig;
  readonly googleHealth: GoogleHealthLinkConfig;
}

const trim = (url: string): string => url.replace(/\/+$/, '');

/** An IPv4/IPv6 address, or one with a /prefix no longer than the family allows. */
export function isIpOrCidr(entry: string): boolean {
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) {
    return false;
  }
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

function client(
  id: string | undefined,
  secret: string | undefined,
  prefix: string,
  problems: string[],
): OAuthClientConfig | undefined {
  if (id === undefined && secret === undefined) {
    return undefined;
  }
  if (id === undefined || secret === undefined) {
    problems.push(`${prefix}_CLIENT_ID and ${prefix}_CLIENT_SECRET must be set together`);
    return undefined;
  }
  return { clientId: id, clientSecret: secret };
}

/** Builds the linking settings, pushing one line per problem onto `problems`. */
export function linkingConfig(
  vars: LinkingEnvironmentVariables & { NODE_ENV: string; PUBLIC_BASE_URL?: string | undefined },
  problems: string[],
): LinkingConfig {
  let keyRing: KeyRing | undefined;
  if (vars.TOKEN_KEYS !== undefined) {
    try {
      keyRing = parseKeyRing(vars.TOKEN_KEYS);
    } catch (e) {
      problems.push(`TOKEN_KEYS (${e instanceof KeyRingError ? e.message : 'malformed'})`);
    }
  }
  if (vars.TOKEN_CALL_TIMEOUT_MS >= vars.TOKEN_LOCK_TIMEOUT_MS) {
    problems.push('TOKEN_CALL_TIMEOUT_MS (must be shorter than TOKEN_LOCK_TIMEOUT_MS)');
  }
  const withingsClient = client(vars.WITHINGS_CLIENT_ID, vars.WITHINGS_CLIENT_SECRET, 'WITHINGS', problems);
  const googleClient = client(vars.GOOGLE_CLIENT_ID, vars.GOOGLE_CLIENT_SECRET, 'GOOGLE', problems);
  if ((withingsClient ?? googleClient) !== undefined) {
    if (vars.TOKEN_KEYS === undefined) {
      problems.push('TOKEN_KEYS is missing (required when a provider client is configured)');
    }
    if (vars.LINK_STATE_SECRET === undefined) {
      problems.push('LINK_STATE_SECRET is missing (required when a provider client is configured)');
    }
  }
  const badIps = vars.WITHINGS_WEBHOOK_IP_ALLOWLIST.filter((e) => !isIpOrCidr(e));
  if (badIps.length > 0) {
    problems.push(`WITHINGS_WEBHOOK_IP_ALLOWLIST (not an IP or CIDR: ${badIps.join(', ')})`);
  }
  const webhookBase = vars.WEBHOOK_PUBLIC_BASE_URL ?? vars.PUBLIC_BASE_URL;
  return {
    keyRing,
    stateSecret: vars.LINK_STATE_SECRET,
    redirectAllowlist: vars.LINK_REDIRECT_ALLOWLIST,
    confirmation: {
      required: vars.LINK_CONFIRMATION === 'required',
      ttlS: vars.LINK_CONFIRMATION_TTL_S,
    },
    webhookBaseUrl: webhookBase === undefined ? undefined : trim(webhookBase),
    tokenCallTimeoutMs: vars.TOKEN_CALL_TIMEOUT_MS,
    tokenLockTimeoutMs: vars.TOKEN_LOCK_TIMEOUT_MS,
    withings: {
      client: withingsClient,
      authorizeUrl: vars.WITHINGS_AUTHORIZE_URL,
      apiBaseUrl: trim(vars.WITHINGS_API_BASE_URL),
      scopes: vars.WITHINGS_SCOPES.split(','),
      webhookSecret: vars.WITHINGS_WEBHOOK_SECRET,
      webhookIpAllowlist: vars.WITHINGS_WEBHOOK_IP_ALLOWLIST,
    },
    googleHealth: {
      client: googleClient,
      authorizeUrl: vars.GOOGLE_AUTHORIZE_URL,
      tokenUrl: vars.GOOGLE_TOKEN_URL,
      revokeUrl: vars.GOOGLE_REVOKE_URL,
      apiBaseUrl: trim(vars.GOOGLE_HEALTH_API_BASE_URL),
      scopes: vars.GOOGLE_HEALTH_SCOPES.trim().split(/\s+/),
      projectNumber: vars.GOOGLE_CLOUD_PROJECT_NUMBER,
      subscriberId: vars.GOOGLE_HEALTH_SUBSCRIBER_ID,
      webhookSecret: vars.GOOGLE_HEALTH_WEBHOOK_SECRET,
    },
  };
}
