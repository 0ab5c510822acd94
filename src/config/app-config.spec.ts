import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './app-config.js';

const BASE = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
  REDIS_URL: 'redis://127.0.0.1:6379',
} as const;

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ...BASE, ...overrides };
}

/** Runs loadConfig expecting it to fail and returns the ConfigError's message. */
function failure(vars: Record<string, string | undefined>): string {
  try {
    loadConfig(vars);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('loadConfig accepted an invalid environment');
}

describe(loadConfig.name, () => {
  it('should apply the documented defaults to a minimal valid environment', () => {
    const config = loadConfig(env());
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 8000,
      host: '0.0.0.0',
      role: 'all',
      databaseUrl: BASE.DATABASE_URL,
      redisUrl: BASE.REDIS_URL,
      redisKeyPrefix: 'ohe',
      authMode: 'bearer',
      migrateOnStart: true,
      logLevel: 'info',
      swaggerEnabled: true,
      trustProxy: false,
      publicBaseUrl: undefined,
    });
    expect(config.runsApi).toBe(true);
    expect(config.runsWorkers).toBe(true);
    expect(config.oidc).toBeUndefined();
    expect(config.rateLimits).toEqual({
      providerInfo: 100,
      userSyncStatus: 60,
      deviceSync: 10,
      webhooks: 1000,
    });
  });

  it('should return a frozen config', () => {
    expect(Object.isFrozen(loadConfig(env()))).toBe(true);
  });

  it.each([
    ['all', true, true],
    ['api', true, false],
    ['worker', false, true],
  ])('should derive runsApi/runsWorkers from ROLE=%s', (role, runsApi, runsWorkers) => {
    const config = loadConfig(env({ ROLE: role }));
    expect(config.role).toBe(role);
    expect(config.runsApi).toBe(runsApi);
    expect(config.runsWorkers).toBe(runsWorkers);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['no', false],
    ['true', true],
    ['1', true],
  ])('should parse the boolean %j as %s', (raw, expected) => {
    const config = loadConfig(env({ MIGRATE_ON_START: raw, TRUST_PROXY: raw }));
    expect(config.migrateOnStart).toBe(expected);
    expect(config.trustProxy).toBe(expected);
  });

  it('should parse numbers from strings', () => {
    const config = loadConfig(env({ PORT: '3000', RATE_LIMIT_DEVICE_SYNC: '5' }));
    expect(config.port).toBe(3000);
    expect(config.rateLimits.deviceSync).toBe(5);
  });

  it('should disable Swagger by default in production, unless asked for', () => {
    expect(loadConfig(env({ NODE_ENV: 'production' })).swaggerEnabled).toBe(false);
    expect(loadConfig(env({ NODE_ENV: 'production', SWAGGER_ENABLED: 'true' })).swaggerEnabled).toBe(true);
    expect(loadConfig(env({ SWAGGER_ENABLED: 'false' })).swaggerEnabled).toBe(false);
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ['missing DATABASE_URL', { DATABASE_URL: undefined }, 'DATABASE_URL'],
    ['a mysql DATABASE_URL', { DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    ['missing REDIS_URL', { REDIS_URL: undefined }, 'REDIS_URL'],
    ['a non-numeric PORT', { PORT: 'abc' }, 'PORT'],
    ['an out-of-range PORT', { PORT: '70000' }, 'PORT'],
    ['an unknown ROLE', { ROLE: 'both' }, 'ROLE'],
    ['an unknown AUTH_MODE', { AUTH_MODE: 'magic' }, 'AUTH_MODE'],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['a non-boolean MIGRATE_ON_START', { MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START'],
    ['an OIDC_ISSUER that is not a URL', { OIDC_ISSUER: 'not-a-url' }, 'OIDC_ISSUER'],
    ['an OIDC_ISSUER without a scheme', { OIDC_ISSUER: 'idp.example.org' }, 'OIDC_ISSUER'],
    [
      'an OIDC_JWKS_URL without a scheme',
      { OIDC_ISSUER: 'https://idp.example.org', OIDC_JWKS_URL: 'idp/certs' },
      'OIDC_JWKS_URL',
    ],
    ['a PUBLIC_BASE_URL without a scheme', { PUBLIC_BASE_URL: 'ohe.example.org' }, 'PUBLIC_BASE_URL'],
    ['OIDC_AUDIENCE without OIDC_ISSUER', { OIDC_AUDIENCE: 'ohe' }, 'OIDC_ISSUER'],
    ['AUTH_MODE=none in production', { AUTH_MODE: 'none', NODE_ENV: 'production' }, 'AUTH_MODE'],
    ['a REDIS_KEY_PREFIX with a space', { REDIS_KEY_PREFIX: 'o he' }, 'REDIS_KEY_PREFIX'],
  ])('should refuse %s with a one-line ConfigError naming it', (_label, overrides, variable) => {
    const message = failure(env(overrides));
    expect(message.startsWith('Invalid configuration:')).toBe(true);
    expect(message).not.toContain('\n');
    expect(message).toContain(variable);
  });

  it('should name every bad setting in one message', () => {
    const message = failure({ PORT: 'abc', ROLE: 'both', LOG_LEVEL: 'loud' });
    expect(message).not.toContain('\n');
    for (const variable of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'ROLE', 'LOG_LEVEL']) {
      expect(message).toContain(variable);
    }
    expect(message).not.toContain('AUTH_MODE');
  });

  it('should treat empty strings as unset', () => {
    const config = loadConfig(env({ PORT: '', ROLE: '', OIDC_ISSUER: '', PUBLIC_BASE_URL: '' }));
    expect(config.port).toBe(8000);
    expect(config.role).toBe('all');
    expect(config.oidc).toBeUndefined();
    expect(config.publicBaseUrl).toBeUndefined();
    expect(failure(env({ DATABASE_URL: '' }))).toBe('Invalid configuration: DATABASE_URL is missing');
  });

  it('should build the OIDC settings with defaults', () => {
    const config = loadConfig(env({ OIDC_ISSUER: 'https://idp.example.org/realms/ohe' }));
    expect(config.oidc).toEqual({
      issuer: 'https://idp.example.org/realms/ohe',
      audience: undefined,
      jwksUrl: undefined,
      userClaim: 'sub',
      serviceScope: 'ohe:service',
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
        OIDC_SERVICE_SCOPE: 'ohe:admin',
        OIDC_ALGORITHMS: 'PS256, ES384',
      }),
    );
    expect(config.oidc).toEqual({
      issuer: 'http://keycloak:8080/realms/ohe',
      audience: 'ohe-api',
      jwksUrl: 'http://keycloak:8080/realms/ohe/certs',
      userClaim: 'ehr_user_id',
      serviceScope: 'ohe:admin',
      algorithms: ['PS256', 'ES384'],
    });
  });

  it('should refuse an unknown algorithm in OIDC_ALGORITHMS', () => {
    expect(
      failure(env({ OIDC_ISSUER: 'https://idp.example.org', OIDC_ALGORITHMS: 'RS256, HS256' })),
    ).toContain('OIDC_ALGORITHMS');
  });

  it.each([
    ['https://ohe.example.org/', 'https://ohe.example.org'],
    ['https://ohe.example.org/api///', 'https://ohe.example.org/api'],
    ['https://ohe.example.org', 'https://ohe.example.org'],
  ])('should trim trailing slashes from PUBLIC_BASE_URL %s', (raw, expected) => {
    expect(loadConfig(env({ PUBLIC_BASE_URL: raw })).publicBaseUrl).toBe(expected);
  });
});
