import 'reflect-metadata';
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { corsConfig, type CorsConfig } from './cors-config.js';
import { EnvironmentVariables } from './env.schema.js';
import { failFastConfig, type FailFastConfig } from './fail-fast-config.js';
import { linkingConfig, type LinkingConfig } from './linking-config.js';
import { patientConfig, type PatientConfig } from './patient-config.js';
import { shutdownConfig, type ShutdownConfig } from './shutdown-config.js';
import { securityConfig, type OidcConfig, type TrustProxy } from './security-config.js';
import { syncConfig, type SyncConfig, type WebhookVerificationConfig } from './sync-config.js';

export type Role = EnvironmentVariables['ROLE'];
export type AuthMode = EnvironmentVariables['AUTH_MODE'];
export type LogLevel = EnvironmentVariables['LOG_LEVEL'];
export type FhirWriteMode = EnvironmentVariables['FHIR_WRITE_MODE'];
export type FhirSigningAlg = NonNullable<EnvironmentVariables['FHIR_SIGNING_ALG']>;

export type { OidcConfig, TrustProxy } from './security-config.js';

export interface RateLimitConfig {
  readonly providerInfo: number;
  readonly userSyncStatus: number;
  readonly deviceSync: number;
  readonly webhooks: number;
  readonly webhooksUnverified: number;
}

export type FhirAuthConfig =
  | { readonly mode: 'none' }
  /** `value` is the whole header value, e.g. `Bearer abc`. */
  | { readonly mode: 'static'; readonly header: string; readonly value: string }
  | {
      readonly mode: 'client_credentials';
      /** Discovered from `{baseUrl}/.well-known/smart-configuration` when undefined. */
      readonly tokenUrl: string | undefined;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly scopes: string;
    }
  | {
      readonly mode: 'smart_backend';
      readonly tokenUrl: string | undefined;
      readonly clientId: string;
      /** PKCS#8/SEC1/PKCS#1 PEM or a private JWK as JSON, checked at boot to match `signingAlg`. */
      readonly privateKey: string;
      readonly keyId: string;
      readonly signingAlg: FhirSigningAlg;
      readonly scopes: string;
    };

export interface FhirConfig {
  /** Undefined when no FHIR server is configured (API-only or local runs); publishing then fails at first use. */
  readonly baseUrl: string | undefined;
  readonly target: EnvironmentVariables['FHIR_TARGET'];
  /** Base of our identifier systems: never change it once data is published, or every resource duplicates. */
  readonly identifierBase: string;
  /** FHIR_TARGET=jhe: the JupyterHealth Exchange data source (Device) the observations are attributed to. */
  readonly jheDataSourceId: string | undefined;
  readonly batchSize: number;
  readonly writeMode: FhirWriteMode;
  readonly timeoutMs: number;
  readonly auth: FhirAuthConfig;
}

/** Raised when the environment does not describe a runnable service; its message is one line naming each bad setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Typed, validated settings. Bound in the DI container under this class, so consumers inject `AppConfig`
 * and never read `process.env` themselves.
 */
export class AppConfig {
  readonly nodeEnv!: EnvironmentVariables['NODE_ENV'];
  readonly port!: number;
  readonly host!: string;
  readonly role!: Role;
  readonly databaseUrl!: string;
  readonly databasePoolSize!: number;
  readonly redisUrl!: string;
  readonly redisKeyPrefix!: string;
  readonly authMode!: AuthMode;
  readonly oidc!: OidcConfig | undefined;
  readonly migrateOnStart!: boolean;
  readonly createDatabaseIfMissing!: boolean;
  readonly logLevel!: LogLevel;
  readonly shutdown!: ShutdownConfig;
  readonly swaggerEnabled!: boolean;
  readonly trustProxy!: TrustProxy;
  readonly publicBaseUrl!: string | undefined;
  readonly healthCheckTimeoutMs!: number;
  readonly rateLimits!: RateLimitConfig;
  /** Undefined when CORS_ORIGINS is unset: no CORS headers at all. */
  readonly cors!: CorsConfig | undefined;
  readonly fhir!: FhirConfig;
  readonly linking!: LinkingConfig;
  readonly patients!: PatientConfig;
  readonly sync!: SyncConfig;
  readonly webhooks!: WebhookVerificationConfig;
  readonly failFast!: FailFastConfig;

  get runsApi(): boolean {
    return this.role !== 'worker';
  }

  get runsWorkers(): boolean {
    return this.role !== 'api';
  }

  static from(values: Omit<AppConfig, 'runsApi' | 'runsWorkers'>): AppConfig {
    return Object.freeze(Object.assign(new AppConfig(), values));
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => {
    const constraints = Object.values(e.constraints ?? {});
    const shown = e.value === undefined ? 'is missing' : constraints.join(', ');
    return [`${e.property} ${e.value === undefined ? shown : `(${shown})`}`];
  });
}

/** Reads, validates and types the environment. Throws ConfigError naming every bad setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const vars = plainToInstance(EnvironmentVariables, defined, { exposeDefaultValues: true });
  const errors = validateSync(vars, { skipMissingProperties: false, forbidUnknownValues: true });
  const problems = describe(errors);

  const { oidc, trustProxy, publicBaseUrl } = securityConfig(vars, problems);
  const fhir = fhirConfig(vars, problems);
  const linking = linkingConfig(vars, problems);
  const { sync, webhooks } = syncConfig(vars, problems);
  const cors = corsConfig(vars, problems);
  const shutdown = shutdownConfig(vars, problems);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }

  return AppConfig.from({
    nodeEnv: vars.NODE_ENV,
    port: vars.PORT,
    host: vars.HOST,
    role: vars.ROLE,
    databaseUrl: vars.DATABASE_URL,
    databasePoolSize: vars.DATABASE_POOL_SIZE,
    redisUrl: vars.REDIS_URL,
    redisKeyPrefix: vars.REDIS_KEY_PREFIX,
    authMode: vars.AUTH_MODE,
    oidc,
    migrateOnStart: vars.MIGRATE_ON_START,
    createDatabaseIfMissing: vars.DATABASE_CREATE_IF_MISSING ?? vars.NODE_ENV !== 'production',
    logLevel: vars.LOG_LEVEL,
    shutdown,
    swaggerEnabled: vars.SWAGGER_ENABLED ?? vars.NODE_ENV !== 'production',
    trustProxy,
    publicBaseUrl,
    healthCheckTimeoutMs: vars.HEALTH_CHECK_TIMEOUT_MS,
    rateLimits: {
      providerInfo: vars.RATE_LIMIT_PROVIDER_INFO,
      userSyncStatus: vars.RATE_LIMIT_USER_SYNC_STATUS,
      deviceSync: vars.RATE_LIMIT_DEVICE_SYNC,
      webhooks: vars.RATE_LIMIT_WEBHOOKS,
      webhooksUnverified: vars.RATE_LIMIT_WEBHOOKS_UNVERIFIED,
    },
    cors,
    fhir,
    linking,
    patients: patientConfig(vars),
    sync,
    webhooks,
    failFast: failFastConfig(vars),
  });
}

/** A PEM pasted into one env line usually arrives with literal `\n`s. */
export function normalizePrivateKey(raw: string): string {
  const text = raw.trim();
  return text.startsWith('-----BEGIN') && !text.includes('\n') ? text.replace(/\\n/g, '\n') : text;
}

/** The algorithm the key can sign with, or why it cannot be used: a bad key should stop boot, not the first publish. */
export function signingAlgFor(
  key: string,
  wanted: FhirSigningAlg | undefined,
): FhirSigningAlg | { problem: string } {
  let keyObject: KeyObject;
  try {
    keyObject = key.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(key) as JsonWebKey, format: 'jwk' })
      : createPrivateKey(key);
  } catch {
    return { problem: 'FHIR_PRIVATE_KEY (not a private key in PEM or JWK JSON form)' };
  }
  const fits: FhirSigningAlg | undefined =
    keyObject.asymmetricKeyType === 'rsa'
      ? 'RS384'
      : keyObject.asymmetricKeyType === 'ec' && keyObject.asymmetricKeyDetails?.namedCurve === 'secp384r1'
        ? 'ES384'
        : undefined;
  if (fits === undefined) {
    return { problem: 'FHIR_PRIVATE_KEY (must be an RSA key for RS384 or a P-384 EC key for ES384)' };
  }
  if (wanted !== undefined && wanted !== fits) {
    return {
      problem: `FHIR_SIGNING_ALG (${wanted} does not fit the ${fits.slice(0, 2)} key in FHIR_PRIVATE_KEY)`,
    };
  }
  return fits;
}

function fhirAuthConfig(vars: EnvironmentVariables, problems: string[]): FhirAuthConfig {
  const mode = vars.FHIR_AUTH_MODE;
  const need = (name: keyof EnvironmentVariables, value: string | undefined): string => {
    if (value === undefined) {
      problems.push(`${name} is missing (required when FHIR_AUTH_MODE=${mode})`);
    }
    return value ?? '';
  };
  // Credentials without a server to use them on is a half-done configuration, not an API-only run.
  if (mode === 'static' || mode === 'client_credentials' || mode === 'smart_backend') {
    need('FHIR_BASE_URL', vars.FHIR_BASE_URL);
  }
  const scopes = vars.FHIR_SCOPES.trim().split(/\s+/).join(' ');
  switch (mode) {
    case 'none':
      return { mode };
    case 'static': {
      const token = need('FHIR_AUTH_TOKEN', vars.FHIR_AUTH_TOKEN).trim();
      // A bare token in Authorization is almost always meant as a bearer token.
      const bare = vars.FHIR_AUTH_HEADER.toLowerCase() === 'authorization' && !/\s/.test(token);
      return { mode, header: vars.FHIR_AUTH_HEADER, value: bare ? `Bearer ${token}` : token };
    }
    case 'client_credentials':
      return {
        mode,
        tokenUrl: vars.FHIR_TOKEN_URL,
        clientId: need('FHIR_CLIENT_ID', vars.FHIR_CLIENT_ID),
        clientSecret: need('FHIR_CLIENT_SECRET', vars.FHIR_CLIENT_SECRET),
        scopes,
      };
    case 'smart_backend': {
      const privateKey = normalizePrivateKey(need('FHIR_PRIVATE_KEY', vars.FHIR_PRIVATE_KEY));
      const alg = privateKey === '' ? 'RS384' : signingAlgFor(privateKey, vars.FHIR_SIGNING_ALG);
      if (typeof alg !== 'string') {
        problems.push(alg.problem);
      }
      return {
        mode,
        tokenUrl: vars.FHIR_TOKEN_URL,
        clientId: need('FHIR_CLIENT_ID', vars.FHIR_CLIENT_ID),
        privateKey,
        keyId: need('FHIR_KEY_ID', vars.FHIR_KEY_ID),
        signingAlg: typeof alg === 'string' ? alg : 'RS384',
        scopes,
      };
    }
  }
}

function jheDataSource(vars: EnvironmentVariables, problems: string[]): string | undefined {
  if (
    vars.FHIR_TARGET === 'jhe' &&
    (vars.JHE_DATA_SOURCE_ID === undefined || vars.FHIR_BASE_URL === undefined)
  ) {
    problems.push('JHE_DATA_SOURCE_ID and FHIR_BASE_URL are required when FHIR_TARGET=jhe');
  }
  return vars.JHE_DATA_SOURCE_ID;
}

function fhirConfig(vars: EnvironmentVariables, problems: string[]): FhirConfig {
  return {
    baseUrl: vars.FHIR_BASE_URL?.replace(/\/+$/, ''),
    target: vars.FHIR_TARGET,
    identifierBase: vars.FHIR_IDENTIFIER_BASE.replace(/\/+$/, ''),
    jheDataSourceId: jheDataSource(vars, problems),
    batchSize: vars.FHIR_BATCH_SIZE,
    writeMode: vars.FHIR_WRITE_MODE,
    timeoutMs: vars.FHIR_TIMEOUT_MS,
    auth: fhirAuthConfig(vars, problems),
  };
}
