import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EnvironmentVariables } from './env.schema.js';

export type Role = EnvironmentVariables['ROLE'];
export type AuthMode = EnvironmentVariables['AUTH_MODE'];
export type LogLevel = EnvironmentVariables['LOG_LEVEL'];

export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string | undefined;
  readonly jwksUrl: string | undefined;
  readonly userClaim: string;
  readonly serviceScope: string;
  readonly algorithms: readonly string[];
}

export interface RateLimitConfig {
  readonly providerInfo: number;
  readonly userSyncStatus: number;
  readonly deviceSync: number;
  readonly webhooks: number;
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
  readonly shutdownTimeoutMs!: number;
  readonly swaggerEnabled!: boolean;
  readonly trustProxy!: boolean;
  readonly publicBaseUrl!: string | undefined;
  readonly healthCheckTimeoutMs!: number;
  readonly rateLimits!: RateLimitConfig;

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

  if (vars.AUTH_MODE === 'none' && vars.NODE_ENV === 'production') {
    problems.push('AUTH_MODE (none is refused when NODE_ENV=production)');
  }
  if ((vars.OIDC_AUDIENCE ?? vars.OIDC_JWKS_URL) !== undefined && vars.OIDC_ISSUER === undefined) {
    problems.push('OIDC_ISSUER is missing (required when OIDC_AUDIENCE or OIDC_JWKS_URL is set)');
  }
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
    oidc:
      vars.OIDC_ISSUER === undefined
        ? undefined
        : {
            issuer: vars.OIDC_ISSUER,
            audience: vars.OIDC_AUDIENCE,
            jwksUrl: vars.OIDC_JWKS_URL,
            userClaim: vars.OIDC_USER_CLAIM,
            serviceScope: vars.OIDC_SERVICE_SCOPE,
            algorithms: vars.OIDC_ALGORITHMS,
          },
    migrateOnStart: vars.MIGRATE_ON_START,
    createDatabaseIfMissing: vars.DATABASE_CREATE_IF_MISSING ?? vars.NODE_ENV !== 'production',
    logLevel: vars.LOG_LEVEL,
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    swaggerEnabled: vars.SWAGGER_ENABLED ?? vars.NODE_ENV !== 'production',
    trustProxy: vars.TRUST_PROXY,
    publicBaseUrl: vars.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    healthCheckTimeoutMs: vars.HEALTH_CHECK_TIMEOUT_MS,
    rateLimits: {
      providerInfo: vars.RATE_LIMIT_PROVIDER_INFO,
      userSyncStatus: vars.RATE_LIMIT_USER_SYNC_STATUS,
      deviceSync: vars.RATE_LIMIT_DEVICE_SYNC,
      webhooks: vars.RATE_LIMIT_WEBHOOKS,
    },
  });
}
