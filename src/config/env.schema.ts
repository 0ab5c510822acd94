import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { toBool, toInt, toList } from './env-transforms.js';
import { ShutdownEnvironmentVariables } from './shutdown.env.js';

export const ROLES = ['all', 'api', 'worker'] as const;
export const AUTH_MODES = ['bearer', 'none'] as const;
export const NODE_ENVS = ['development', 'test', 'production'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const FHIR_TARGETS = ['fhir', 'jhe'] as const;
export const FHIR_WRITE_MODES = ['conditional-create', 'conditional-update'] as const;
export const FHIR_AUTH_MODES = ['none', 'static', 'client_credentials', 'smart_backend'] as const;
export const FHIR_SIGNING_ALGS = ['RS384', 'ES384'] as const;
/** What the service writes; also the scopes an organization's OAuth client asks for unless it names its own. */
export const DEFAULT_FHIR_SCOPES =
  'system/Observation.cu system/DiagnosticReport.cu system/Device.cu system/DeviceAssociation.cu';

/**
 * The raw environment as the service accepts it. Every setting the service reads is declared here so that a
 * typo or a malformed value stops start-up instead of surfacing later as odd behaviour.
 */
export class EnvironmentVariables extends ShutdownEnvironmentVariables {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @IsString()
  HOST = '0.0.0.0';

  @IsIn(ROLES)
  ROLE: (typeof ROLES)[number] = 'all';

  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL!: string;

  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL!: string;

  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'REDIS_KEY_PREFIX may hold only letters, digits and _.:-' })
  REDIS_KEY_PREFIX = 'ohe';

  @IsIn(AUTH_MODES)
  AUTH_MODE: (typeof AUTH_MODES)[number] = 'bearer';

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OIDC_ISSUER?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  OIDC_AUDIENCE?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  OIDC_JWKS_URL?: string;

  @IsString()
  @MinLength(1)
  OIDC_USER_CLAIM = 'sub';

  /** Claim that marks service tokens; `scope` and `scp` are space-separated scope lists. */
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'OIDC_SERVICE_CLAIM must be a claim name' })
  OIDC_SERVICE_CLAIM = 'scope';

  /**
   * Claim carrying the slug of the token's organization. Unset: every token belongs to the default organization.
   * Set: a token without it is refused.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'OIDC_ORG_CLAIM must be a claim name' })
  OIDC_ORG_CLAIM?: string;

  /** The OIDC_SERVICE_CLAIM value of service tokens; required with OIDC_ISSUER (checked in securityConfig). */
  @IsOptional()
  @IsString()
  OIDC_SERVICE_SCOPE?: string;

  @Transform(toList)
  @IsIn(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'], {
    each: true,
  })
  OIDC_ALGORITHMS: string[] = ['RS256', 'ES256'];

  @Transform(toBool)
  @IsBoolean()
  MIGRATE_ON_START = true;

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  DATABASE_CREATE_IF_MISSING?: boolean;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  SWAGGER_ENABLED?: boolean;

  /** Express `trust proxy` minus `true`: parsed and checked by securityConfig. */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  PUBLIC_BASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(50)
  HEALTH_CHECK_TIMEOUT_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PROVIDER_INFO = 100;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_USER_SYNC_STATUS = 60;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_DEVICE_SYNC = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WEBHOOKS = 1000;

  /** Per source address and minute, for webhook requests that fail verification or carry no credential. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WEBHOOKS_UNVERIFIED = 120;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE = 10;

  // --- FHIR publishing. The per-mode required settings are checked in loadConfig. ---

  /** Optional so an API-only or local run boots without a FHIR server; the publisher refuses at first use. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  FHIR_BASE_URL?: string;

  @IsIn(FHIR_TARGETS)
  FHIR_TARGET: (typeof FHIR_TARGETS)[number] = 'fhir';

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  FHIR_IDENTIFIER_BASE = 'https://open-health-exchange.org';

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'JHE_DATA_SOURCE_ID must be a JupyterHealth Exchange data source id',
  })
  JHE_DATA_SOURCE_ID?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  FHIR_BATCH_SIZE = 100;

  @IsIn(FHIR_WRITE_MODES)
  FHIR_WRITE_MODE: (typeof FHIR_WRITE_MODES)[number] = 'conditional-update';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(300_000)
  FHIR_TIMEOUT_MS = 15_000;

  @IsIn(FHIR_AUTH_MODES)
  FHIR_AUTH_MODE: (typeof FHIR_AUTH_MODES)[number] = 'none';

  @Matches(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'FHIR_AUTH_HEADER must be an HTTP header name' })
  FHIR_AUTH_HEADER = 'Authorization';

  @IsOptional()
  @IsString()
  FHIR_AUTH_TOKEN?: string;

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  FHIR_TOKEN_URL?: string;

  @IsOptional()
  @IsString()
  FHIR_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  FHIR_CLIENT_SECRET?: string;

  @IsOptional()
  @IsString()
  FHIR_PRIVATE_KEY?: string;

  @IsOptional()
  @IsString()
  FHIR_KEY_ID?: string;

  @IsOptional()
  @IsIn(FHIR_SIGNING_ALGS)
  FHIR_SIGNING_ALG?: (typeof FHIR_SIGNING_ALGS)[number];

  @IsString()
  @MinLength(1)
  FHIR_SCOPES = DEFAULT_FHIR_SCOPES;
}
