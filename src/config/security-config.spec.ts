import express from 'express';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';
import { isLoopbackHost } from './security-config.js';
import { env, failure } from '../../test/support/config-env.js';

const PUBLIC = { PUBLIC_BASE_URL: 'https://ohe.example.org' };

/** A refusal is one line, naming the setting. */
function refusal(vars: Record<string, string | undefined>, setting: string): string {
  const message = failure(env(vars));
  expect(message).toMatch(/^Invalid configuration: /);
  expect(message).not.toContain('\n');
  expect(message).toContain(setting);
  return message;
}

describe('AUTH_MODE=none', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '::1',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    'localhost',
    'LocalHost',
  ])('should be accepted with the loopback HOST %s in every NODE_ENV', (host) => {
    for (const nodeEnv of ['development', 'test', 'production']) {
      const config = loadConfig(env({ AUTH_MODE: 'none', HOST: host, NODE_ENV: nodeEnv, ...PUBLIC }));
      expect(config.authMode).toBe('none');
    }
  });

  it.each([
    ['the default HOST', undefined],
    ['an empty HOST (the default)', ''],
    ['HOST=0.0.0.0', '0.0.0.0'],
    ['HOST=::', '::'],
    ['a LAN address', '192.168.1.10'],
    ['an address just past 127.0.0.0/8', '128.0.0.1'],
    ['a host name', 'ohe.internal'],
  ])('should be refused with %s, whatever NODE_ENV is', (_label, host) => {
    for (const nodeEnv of [undefined, 'development', 'test', 'production']) {
      const message = refusal({ AUTH_MODE: 'none', HOST: host, NODE_ENV: nodeEnv, ...PUBLIC }, 'AUTH_MODE');
      expect(message).toBe(
        'Invalid configuration: AUTH_MODE (none is accepted only when HOST is a loopback address: ' +
          `127.0.0.0/8, ::1 or localhost, not ${host === undefined || host === '' ? '0.0.0.0' : host})`,
      );
    }
  });

  it('should leave AUTH_MODE=bearer free to bind anywhere', () => {
    expect(loadConfig(env({ HOST: '0.0.0.0' })).host).toBe('0.0.0.0');
  });

  it('should tell loopback hosts from others', () => {
    expect(['127.0.0.1', '::1', 'localhost'].map(isLoopbackHost)).toEqual([true, true, true]);
    expect(['0.0.0.0', '::', '::2', '10.0.0.1', 'localhost.example'].map(isLoopbackHost)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('OIDC settings', () => {
  const ISSUER = 'https://idp.example.org/realms/ohe';
  /** The least an issuer needs. */
  const OIDC = { OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: 'ohe-api', OIDC_SERVICE_SCOPE: 'ohe:service' };

  it('should need OIDC_AUDIENCE and OIDC_SERVICE_SCOPE once OIDC_ISSUER is set, naming both', () => {
    expect(failure(env({ OIDC_ISSUER: ISSUER }))).toBe(
      'Invalid configuration: OIDC_AUDIENCE is missing (required when OIDC_ISSUER is set); ' +
        'OIDC_SERVICE_SCOPE is missing (required when OIDC_ISSUER is set: the OIDC_SERVICE_CLAIM value of ' +
        'service tokens)',
    );
    refusal({ OIDC_ISSUER: ISSUER, OIDC_SERVICE_SCOPE: 'ohe:service' }, 'OIDC_AUDIENCE');
    refusal({ OIDC_ISSUER: ISSUER, OIDC_AUDIENCE: 'ohe-api' }, 'OIDC_SERVICE_SCOPE');
  });

  it('should build the OIDC settings with defaults', () => {
    expect(loadConfig(env(OIDC)).oidc).toEqual({
      issuer: ISSUER,
      audience: 'ohe-api',
      jwksUrl: undefined,
      userClaim: 'sub',
      serviceClaim: 'scope',
      serviceValue: 'ohe:service',
      algorithms: ['RS256', 'ES256'],
    });
  });

  it('should build the OIDC settings from the environment, parsing the algorithm list', () => {
    const config = loadConfig(
      env({
        OIDC_ISSUER: 'http://keycloak:8080/realms/ohe',
        OIDC_AUDIENCE: 'ohe-api',
        OIDC_JWKS_URL: 'http://keycloak:8080/realms/ohe/certs',
        OIDC_USER_CLAIM: 'ehr_user_id',
        OIDC_SERVICE_CLAIM: 'roles',
        OIDC_SERVICE_SCOPE: 'ohe admin',
        OIDC_ALGORITHMS: 'PS256, ES384',
        OIDC_ORG_CLAIM: 'ohe_org',
      }),
    );
    expect(config.oidc).toEqual({
      issuer: 'http://keycloak:8080/realms/ohe',
      audience: 'ohe-api',
      jwksUrl: 'http://keycloak:8080/realms/ohe/certs',
      userClaim: 'ehr_user_id',
      serviceClaim: 'roles',
      serviceValue: 'ohe admin',
      algorithms: ['PS256', 'ES384'],
      orgClaim: 'ohe_org',
    });
  });

  it('should refuse an unknown algorithm in OIDC_ALGORITHMS', () => {
    expect(failure(env({ ...OIDC, OIDC_ALGORITHMS: 'RS256, HS256' }))).toMatch(
      /^Invalid configuration: OIDC_ALGORITHMS \([^;]*\)$/,
    );
  });

  it.each<[string, Record<string, string>, string]>([
    ['a scope value with a space', { OIDC_SERVICE_SCOPE: 'ohe service' }, 'OIDC_SERVICE_SCOPE'],
    [
      'an scp value with a space',
      { OIDC_SERVICE_CLAIM: 'scp', OIDC_SERVICE_SCOPE: 'ohe service' },
      'OIDC_SERVICE_SCOPE',
    ],
    ['a claim name with a space', { OIDC_SERVICE_CLAIM: 'ohe roles' }, 'OIDC_SERVICE_CLAIM'],
    ['an organization claim name with a space', { OIDC_ORG_CLAIM: 'ohe org' }, 'OIDC_ORG_CLAIM'],
  ])('should refuse %s', (_label, vars, setting) => {
    refusal({ ...OIDC, ...vars }, setting);
  });
});

describe('PUBLIC_BASE_URL', () => {
  it('should be required when NODE_ENV=production', () => {
    expect(failure(env({ NODE_ENV: 'production' }))).toBe(
      'Invalid configuration: PUBLIC_BASE_URL is missing (required when NODE_ENV=production)',
    );
    expect(loadConfig(env({ NODE_ENV: 'production', ...PUBLIC })).publicBaseUrl).toBe(PUBLIC.PUBLIC_BASE_URL);
  });

  it.each([
    ['https://ohe.example.org/', 'https://ohe.example.org'],
    ['https://ohe.example.org/api///', 'https://ohe.example.org/api'],
    ['https://ohe.example.org', 'https://ohe.example.org'],
  ])('should trim trailing slashes from PUBLIC_BASE_URL %s', (raw, expected) => {
    expect(loadConfig(env({ PUBLIC_BASE_URL: raw })).publicBaseUrl).toBe(expected);
  });

  it('should stay optional outside production', () => {
    for (const nodeEnv of ['development', 'test']) {
      expect(loadConfig(env({ NODE_ENV: nodeEnv })).publicBaseUrl).toBeUndefined();
    }
  });
});

describe('TRUST_PROXY', () => {
  it.each<[string | undefined, unknown]>([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['no', false],
    ['off', false],
    ['1', 1],
    ['3', 3],
    ['10', 10],
    ['loopback', ['loopback']],
    ['LoopBack, linklocal,uniquelocal', ['loopback', 'linklocal', 'uniquelocal']],
    [
      '10.0.0.5, 10.1.0.0/16, 2001:db8::/32, loopback',
      ['10.0.0.5', '10.1.0.0/16', '2001:db8::/32', 'loopback'],
    ],
  ])('should read %j as %j, which Express accepts', (raw, expected) => {
    const { trustProxy } = loadConfig(env({ TRUST_PROXY: raw }));
    expect(trustProxy).toEqual(expected);
    expect(() => express().set('trust proxy', trustProxy)).not.toThrow();
  });

  it.each([
    [
      'true',
      "TRUST_PROXY (true would trust any client's X-Forwarded-For; give the proxy hop count or addresses)",
    ],
    [
      'TRUE',
      "TRUST_PROXY (true would trust any client's X-Forwarded-For; give the proxy hop count or addresses)",
    ],
    ['*', "TRUST_PROXY (* would trust any client's X-Forwarded-For; give the proxy hop count or addresses)"],
    [
      'yes',
      "TRUST_PROXY (yes would trust any client's X-Forwarded-For; give the proxy hop count or addresses)",
    ],
    ['0.0.0.0/0', "TRUST_PROXY (0.0.0.0/0 would trust any client's X-Forwarded-For)"],
    ['::/0', "TRUST_PROXY (::/0 would trust any client's X-Forwarded-For)"],
    ['loopback, 10.0.0.0/8, ::/0', "TRUST_PROXY (::/0 would trust any client's X-Forwarded-For)"],
    // Express matches IPv4 peers against IPv4-mapped IPv6 ranges too.
    ['::ffff:0:0/96', "TRUST_PROXY (::ffff:0:0/96 would trust any client's X-Forwarded-For)"],
    ['::/1', "TRUST_PROXY (::/1 would trust any client's X-Forwarded-For)"],
    ['11', 'TRUST_PROXY (at most 10 proxy hops, got 11)'],
    ['-1', 'TRUST_PROXY (not a hop count, IP, CIDR, loopback, linklocal or uniquelocal: -1)'],
    [
      'proxy.internal, 10.0.0.0/33',
      'TRUST_PROXY (not a hop count, IP, CIDR, loopback, linklocal or uniquelocal: proxy.internal, 10.0.0.0/33)',
    ],
  ])('should refuse %j with one line naming TRUST_PROXY', (raw, expected) => {
    expect(failure(env({ TRUST_PROXY: raw }))).toBe(`Invalid configuration: ${expected}`);
  });

  it('should accept IPv6 ranges that leave IPv4-mapped addresses out', () => {
    expect(loadConfig(env({ TRUST_PROXY: 'fd00::/8, 2001:db8::/97' })).trustProxy).toEqual([
      'fd00::/8',
      '2001:db8::/97',
    ]);
  });
});
