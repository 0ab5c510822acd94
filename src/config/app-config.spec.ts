import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';
import { BASE, env, failure } from '../../test/support/config-env.js';

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
      webhooksUnverified: 120,
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
    expect(loadConfig(env({ MIGRATE_ON_START: raw })).migrateOnStart).toBe(expected);
  });

  it('should parse numbers from strings', () => {
    const config = loadConfig(env({ PORT: '3000', RATE_LIMIT_DEVICE_SYNC: '5' }));
    expect(config.port).toBe(3000);
    expect(config.rateLimits.deviceSync).toBe(5);
  });

  it('should disable Swagger by default in production, unless asked for', () => {
    const production = { NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://ohe.example.org' };
    expect(loadConfig(env(production)).swaggerEnabled).toBe(false);
    expect(loadConfig(env({ ...production, SWAGGER_ENABLED: 'true' })).swaggerEnabled).toBe(true);
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

  describe('FHIR settings', () => {
    const FHIR = 'https://fhir.example.org/fhir';
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const p384Jwk = JSON.stringify(
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }),
    );
    const p256Pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const smart = (overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> =>
      env({
        FHIR_BASE_URL: FHIR,
        FHIR_AUTH_MODE: 'smart_backend',
        FHIR_CLIENT_ID: 'ohe',
        FHIR_KEY_ID: 'k1',
        FHIR_PRIVATE_KEY: rsaPem,
        ...overrides,
      });

    it('should boot without a FHIR server and apply the FHIR defaults', () => {
      expect(loadConfig(env()).fhir).toEqual({
        baseUrl: undefined,
        target: 'fhir',
        identifierBase: 'https://open-health-exchange.org',
        jheDataSourceId: undefined,
        batchSize: 100,
        writeMode: 'conditional-update',
        timeoutMs: 15_000,
        auth: { mode: 'none' },
      });
    });

    it('should require a data source and a base URL for a JupyterHealth Exchange target', () => {
      expect(() => loadConfig(env({ FHIR_TARGET: 'jhe', FHIR_BASE_URL: 'http://jhe:8000/FHIR/R5' }))).toThrow(
        /JHE_DATA_SOURCE_ID and FHIR_BASE_URL are required when FHIR_TARGET=jhe/,
      );
      expect(() => loadConfig(env({ FHIR_TARGET: 'jhe', JHE_DATA_SOURCE_ID: '1' }))).toThrow(
        /FHIR_TARGET=jhe/,
      );
    });

    it('should read the FHIR server settings, trimming the base URL', () => {
      const config = loadConfig(
        env({
          FHIR_BASE_URL: 'http://hapi:8080/fhir/',
          FHIR_TARGET: 'jhe',
          JHE_DATA_SOURCE_ID: '70001',
          FHIR_BATCH_SIZE: '1000',
          FHIR_WRITE_MODE: 'conditional-create',
          FHIR_TIMEOUT_MS: '5000',
        }),
      );
      expect(config.fhir).toMatchObject({
        baseUrl: 'http://hapi:8080/fhir',
        target: 'jhe',
        jheDataSourceId: '70001',
        batchSize: 1000,
        writeMode: 'conditional-create',
        timeoutMs: 5000,
      });
    });

    it.each([
      ['Authorization', 'abc123', { header: 'Authorization', value: 'Bearer abc123' }],
      ['Authorization', 'Basic dTpw', { header: 'Authorization', value: 'Basic dTpw' }],
      ['X-Api-Key', 'abc123', { header: 'X-Api-Key', value: 'abc123' }],
    ])('should send the static %s token %j as %j', (header, token, expected) => {
      const config = loadConfig(
        env({
          FHIR_BASE_URL: FHIR,
          FHIR_AUTH_MODE: 'static',
          FHIR_AUTH_HEADER: header,
          FHIR_AUTH_TOKEN: token,
        }),
      );
      expect(config.fhir.auth).toEqual({ mode: 'static', ...expected });
    });

    it('should read client_credentials settings with the default scopes', () => {
      const config = loadConfig(
        env({
          FHIR_BASE_URL: FHIR,
          FHIR_AUTH_MODE: 'client_credentials',
          FHIR_CLIENT_ID: 'ohe',
          FHIR_CLIENT_SECRET: 's3cret',
        }),
      );
      expect(config.fhir.auth).toEqual({
        mode: 'client_credentials',
        tokenUrl: undefined,
        clientId: 'ohe',
        clientSecret: 's3cret',
        scopes:
          'system/Observation.cu system/DiagnosticReport.cu system/Device.cu system/DeviceAssociation.cu',
      });
    });

    it('should read SMART Backend Services settings and infer the algorithm from the key', () => {
      expect(
        loadConfig(smart({ FHIR_SCOPES: ' system/Observation.cu   system/Device.cu ' })).fhir.auth,
      ).toEqual({
        mode: 'smart_backend',
        tokenUrl: undefined,
        clientId: 'ohe',
        privateKey: rsaPem.trim(),
        keyId: 'k1',
        signingAlg: 'RS384',
        scopes: 'system/Observation.cu system/Device.cu',
      });
      const ec = loadConfig(
        smart({ FHIR_PRIVATE_KEY: p384Jwk, FHIR_TOKEN_URL: 'https://auth.example.org/token' }),
      );
      expect(ec.fhir.auth).toMatchObject({ signingAlg: 'ES384', tokenUrl: 'https://auth.example.org/token' });
    });

    it('should accept a PEM whose newlines were written as \\n on one line', () => {
      const oneLine = rsaPem.trim().replace(/\n/g, '\\n');
      expect(loadConfig(smart({ FHIR_PRIVATE_KEY: oneLine })).fhir.auth).toMatchObject({
        privateKey: rsaPem.trim(),
        signingAlg: 'RS384',
      });
    });

    it.each<[string, Record<string, string | undefined>, string]>([
      ['a FHIR_BASE_URL without a scheme', { FHIR_BASE_URL: 'fhir.example.org' }, 'FHIR_BASE_URL'],
      ['an unknown FHIR_TARGET', { FHIR_TARGET: 'hapi' }, 'FHIR_TARGET'],
      ['a FHIR_BATCH_SIZE of 0', { FHIR_BATCH_SIZE: '0' }, 'FHIR_BATCH_SIZE'],
      ['a FHIR_BATCH_SIZE over 1000', { FHIR_BATCH_SIZE: '1001' }, 'FHIR_BATCH_SIZE'],
      ['an unknown FHIR_WRITE_MODE', { FHIR_WRITE_MODE: 'upsert' }, 'FHIR_WRITE_MODE'],
      ['a FHIR_TIMEOUT_MS below 100', { FHIR_TIMEOUT_MS: '50' }, 'FHIR_TIMEOUT_MS'],
      ['an unknown FHIR_AUTH_MODE', { FHIR_AUTH_MODE: 'kerberos' }, 'FHIR_AUTH_MODE'],
      ['a FHIR_AUTH_HEADER with a space', { FHIR_AUTH_HEADER: 'X Key' }, 'FHIR_AUTH_HEADER'],
      ['an unknown FHIR_SIGNING_ALG', { FHIR_SIGNING_ALG: 'HS256' }, 'FHIR_SIGNING_ALG'],
      ['a FHIR_TOKEN_URL without a scheme', { FHIR_TOKEN_URL: 'auth/token' }, 'FHIR_TOKEN_URL'],
      [
        'FHIR_AUTH_MODE=static without FHIR_BASE_URL',
        { FHIR_AUTH_MODE: 'static', FHIR_AUTH_TOKEN: 't' },
        'FHIR_BASE_URL',
      ],
      [
        'FHIR_AUTH_MODE=static without FHIR_AUTH_TOKEN',
        { FHIR_BASE_URL: FHIR, FHIR_AUTH_MODE: 'static' },
        'FHIR_AUTH_TOKEN',
      ],
      [
        'FHIR_AUTH_MODE=client_credentials without FHIR_CLIENT_SECRET',
        { FHIR_BASE_URL: FHIR, FHIR_AUTH_MODE: 'client_credentials', FHIR_CLIENT_ID: 'ohe' },
        'FHIR_CLIENT_SECRET',
      ],
    ])('should refuse %s with a one-line ConfigError naming it', (_label, overrides, variable) => {
      const message = failure(env(overrides));
      expect(message).not.toContain('\n');
      expect(message).toContain(variable);
    });

    it('should name every missing client_credentials setting', () => {
      expect(failure(env({ FHIR_BASE_URL: FHIR, FHIR_AUTH_MODE: 'client_credentials' }))).toBe(
        'Invalid configuration: FHIR_CLIENT_ID is missing (required when FHIR_AUTH_MODE=client_credentials); ' +
          'FHIR_CLIENT_SECRET is missing (required when FHIR_AUTH_MODE=client_credentials)',
      );
    });

    it('should name every missing SMART Backend Services setting', () => {
      expect(failure(env({ FHIR_BASE_URL: FHIR, FHIR_AUTH_MODE: 'smart_backend' }))).toBe(
        'Invalid configuration: FHIR_PRIVATE_KEY is missing (required when FHIR_AUTH_MODE=smart_backend); ' +
          'FHIR_CLIENT_ID is missing (required when FHIR_AUTH_MODE=smart_backend); ' +
          'FHIR_KEY_ID is missing (required when FHIR_AUTH_MODE=smart_backend)',
      );
    });

    it.each<[string, Record<string, string>, string]>([
      [
        'a FHIR_PRIVATE_KEY that is no key',
        { FHIR_PRIVATE_KEY: 'secret-not-a-key' },
        'FHIR_PRIVATE_KEY (not a private key in PEM or JWK JSON form)',
      ],
      [
        'a P-256 key',
        { FHIR_PRIVATE_KEY: p256Pem },
        'FHIR_PRIVATE_KEY (must be an RSA key for RS384 or a P-384 EC key for ES384)',
      ],
      [
        'an RSA key with FHIR_SIGNING_ALG=ES384',
        { FHIR_SIGNING_ALG: 'ES384' },
        'FHIR_SIGNING_ALG (ES384 does not fit the RS key in FHIR_PRIVATE_KEY)',
      ],
    ])('should refuse %s without echoing the key', (_label, overrides, expected) => {
      const message = failure(smart(overrides));
      expect(message).toBe(`Invalid configuration: ${expected}`);
      expect(message).not.toContain('secret-not-a-key');
    });
  });
});
