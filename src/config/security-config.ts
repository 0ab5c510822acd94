import { BlockList, isIP } from 'node:net';
import type { EnvironmentVariables } from './env.schema.js';
import { isIpOrCidr } from './linking-config.js';

export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string | undefined;
  readonly userClaim: string;
  /** Claim whose value makes a token a service token: `scope`/`scp` hold space-separated scopes. */
  readonly serviceClaim: string;
  readonly serviceValue: string;
  /** Claim naming the token's organization (its slug); undefined: every token is the default organization's. */
  readonly orgClaim: string | undefined;
  readonly algorithms: readonly string[];
}

/** Express `trust proxy`: off, a hop count, or the proxies' addresses. Never `true`. */
export type TrustProxy = false | number | readonly string[];

export interface SecurityConfig {
  readonly oidc: OidcConfig | undefined;
  readonly trustProxy: TrustProxy;
  readonly publicBaseUrl: string | undefined;
}

type SecurityVariables = Pick<
  EnvironmentVariables,
  | 'NODE_ENV'
  | 'HOST'
  | 'AUTH_MODE'
  | 'OIDC_ISSUER'
  | 'OIDC_AUDIENCE'
  | 'OIDC_JWKS_URL'
  | 'OIDC_USER_CLAIM'
  | 'OIDC_SERVICE_CLAIM'
  | 'OIDC_SERVICE_SCOPE'
  | 'OIDC_ORG_CLAIM'
  | 'OIDC_ALGORITHMS'
  | 'TRUST_PROXY'
  | 'PUBLIC_BASE_URL'
>;

/** Past this, a hop count reaches entries any client can write itself: as good as trusting everyone. */
export const MAX_PROXY_HOPS = 10;
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether binding to `host` keeps the service unreachable from other machines. */
export function isLoopbackHost(host: string): boolean {
  const family = isIP(host);
  if (family === 0) {
    return host.toLowerCase() === 'localhost';
  }
  return LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Whether a trusted CIDR covers every client of a family: /0, or an IPv6 range holding all IPv4-mapped
 * addresses, which Express matches IPv4 peers against too.
 */
function trustsEveryone(entry: string): boolean {
  const [address = '', prefix] = entry.split('/');
  if (prefix === undefined) {
    return false;
  }
  const bits = Number(prefix);
  if (bits === 0) {
    return true;
  }
  if (isIP(address) !== 6 || bits > 96) {
    return false;
  }
  const range = new BlockList();
  range.addSubnet(address, bits, 'ipv6');
  return range.check('::ffff:0:0', 'ipv6');
}

function trustProxyOf(raw: string | undefined, problems: string[]): TrustProxy {
  const value = (raw ?? 'false').trim().toLowerCase();
  if (['false', '0', 'no', 'off'].includes(value)) {
    return false;
  }
  if (['true', '*', 'yes', 'on'].includes(value)) {
    problems.push(
      `TRUST_PROXY (${value} would trust any client's X-Forwarded-For; give the proxy hop count or addresses)`,
    );
    return false;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_PROXY_HOPS) {
      problems.push(`TRUST_PROXY (at most ${MAX_PROXY_HOPS} proxy hops, got ${value})`);
    }
    return hops;
  }
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const bad = entries.filter((e) => !PROXY_NAMES.includes(e) && !isIpOrCidr(e));
  if (bad.length > 0) {
    problems.push(
      `TRUST_PROXY (not a hop count, IP, CIDR, loopback, linklocal or uniquelocal: ${bad.join(', ')})`,
    );
    return false;
  }
  const everyone = entries.filter(trustsEveryone);
  if (everyone.length > 0) {
    problems.push(`TRUST_PROXY (${everyone.join(', ')} would trust any client's X-Forwarded-For)`);
  }
  return entries;
}

function oidcConfig(vars: SecurityVariables, problems: string[]): OidcConfig | undefined {
  if (vars.OIDC_ISSUER === undefined) {
    if ((vars.OIDC_AUDIENCE ?? vars.OIDC_JWKS_URL) !== undefined) {
      problems.push('OIDC_ISSUER is missing (required when OIDC_AUDIENCE or OIDC_JWKS_URL is set)');
    }
    return undefined;
  }
  // Without an audience, any token the issuer mints for another application would be accepted here.
  if (vars.OIDC_AUDIENCE === undefined) {
    problems.push('OIDC_AUDIENCE is missing (required when OIDC_ISSUER is set)');
  }
  // No default: a guessed value could be one the issuer hands to every user.
  if (vars.OIDC_SERVICE_SCOPE === undefined) {
    problems.push(
      'OIDC_SERVICE_SCOPE is missing (required when OIDC_ISSUER is set: the OIDC_SERVICE_CLAIM value of service tokens)',
    );
  } else if (['scope', 'scp'].includes(vars.OIDC_SERVICE_CLAIM) && /\s/.test(vars.OIDC_SERVICE_SCOPE)) {
    problems.push(
      `OIDC_SERVICE_SCOPE (one scope, without spaces, when OIDC_SERVICE_CLAIM=${vars.OIDC_SERVICE_CLAIM})`,
    );
  }
  return {
    issuer: vars.OIDC_ISSUER,
    audience: vars.OIDC_AUDIENCE ?? '',
    jwksUrl: vars.OIDC_JWKS_URL,
    userClaim: vars.OIDC_USER_CLAIM,
    serviceClaim: vars.OIDC_SERVICE_CLAIM,
    serviceValue: vars.OIDC_SERVICE_SCOPE ?? '',
    orgClaim: vars.OIDC_ORG_CLAIM,
    algorithms: vars.OIDC_ALGORITHMS,
  };
}

/**
 * Who may call and what the service believes about where a request came from. Every refusal is one line
 * naming the setting, pushed onto `problems`.
 */
export function securityConfig(vars: SecurityVariables, problems: string[]): SecurityConfig {
  // Anyone who can reach the port may act for every patient, so only this machine may reach it.
  if (vars.AUTH_MODE === 'none' && !isLoopbackHost(vars.HOST)) {
    problems.push(
      `AUTH_MODE (none is accepted only when HOST is a loopback address: 127.0.0.0/8, ::1 or localhost, not ${vars.HOST})`,
    );
  }
  // Behind a proxy the Host header is whatever the client sent: links and OAuth redirect URIs built from it
  // could point anywhere.
  if (vars.NODE_ENV === 'production' && vars.PUBLIC_BASE_URL === undefined) {
    problems.push('PUBLIC_BASE_URL is missing (required when NODE_ENV=production)');
  }
  return {
    oidc: oidcConfig(vars, problems),
    trustProxy: trustProxyOf(vars.TRUST_PROXY, problems),
    publicBaseUrl: vars.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
  };
}
