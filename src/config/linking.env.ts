import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';
import { toInt, toList } from './env-transforms.js';

export const LINK_CONFIRMATION_MODES = ['required', 'off'] as const;

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Provider linking settings (OAuth clients, endpoint base URLs, token storage, redirect allow-list). A base class
 * of EnvironmentVariables so these settings are validated at boot with the rest; every provider endpoint is
 * configurable so the service can point at the real providers or at the local simulators.
 */
export class LinkingEnvironmentVariables {
  /** `<key id>:<base64 of 32 bytes>`, comma-separated, newest first (checked by parseKeyRing in loadConfig). */
  @IsOptional()
  @IsString()
  TOKEN_KEYS?: string;

  /** HMAC key signing the OAuth `state` (HS256); at least 32 characters. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'LINK_STATE_SECRET must be at least 32 characters' })
  LINK_STATE_SECRET?: string;

  /** Origins or URL prefixes success_url / error_url must start with. Empty: redirect targets are refused. */
  @Transform(toList)
  @IsUrl(URL_OPTIONS, { each: true, message: 'LINK_REDIRECT_ALLOWLIST entries must be http(s) URLs' })
  LINK_REDIRECT_ALLOWLIST: string[] = [];

  /**
   * `required`: a completed consent becomes a pending link that the clinical app confirms with a credential of the
   * same patient. `off`: the callback links at once (weaker: anyone who completes a forwarded consent page links
   * their account to the patient who started the flow).
   */
  @IsIn(LINK_CONFIRMATION_MODES)
  LINK_CONFIRMATION: (typeof LINK_CONFIRMATION_MODES)[number] = 'required';

  /** How long a pending link waits for its confirmation. */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(3600)
  LINK_CONFIRMATION_TTL_S = 600;

  /** Public base URL the providers reach webhooks at; defaults to PUBLIC_BASE_URL. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  WEBHOOK_PUBLIC_BASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  TOKEN_CALL_TIMEOUT_MS = 10_000;

  @Transform(toInt)
  @IsInt()
  @Min(200)
  @Max(600_000)
  TOKEN_LOCK_TIMEOUT_MS = 15_000;

  @IsOptional()
  @IsString()
  WITHINGS_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  WITHINGS_CLIENT_SECRET?: string;

  @IsUrl(URL_OPTIONS)
  WITHINGS_AUTHORIZE_URL = 'https://account.withings.com/oauth2_user/authorize2';

  @IsUrl(URL_OPTIONS)
  WITHINGS_API_BASE_URL = 'https://wbsapi.withings.net';

  @Matches(/^[a-z.]+(,[a-z.]+)*$/, { message: 'WITHINGS_SCOPES must be comma-separated scopes' })
  WITHINGS_SCOPES = 'user.info,user.metrics,user.activity';

  /** Secret path segment of the Withings notify callback URL (Withings does not sign notifications). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{16,128}$/, {
    message: 'WITHINGS_WEBHOOK_SECRET must be 16-128 URL-safe characters',
  })
  WITHINGS_WEBHOOK_SECRET?: string;

  /** Source addresses (IPs or CIDRs, comma-separated) Withings notifications may come from. Empty: every source. */
  @Transform(toList)
  @IsString({ each: true })
  WITHINGS_WEBHOOK_IP_ALLOWLIST: string[] = [];

  @IsOptional()
  @IsString()
  GOOGLE_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  GOOGLE_CLIENT_SECRET?: string;

  @IsUrl(URL_OPTIONS)
  GOOGLE_AUTHORIZE_URL = 'https://accounts.google.com/o/oauth2/v2/auth';

  @IsUrl(URL_OPTIONS)
  GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

  @IsUrl(URL_OPTIONS)
  GOOGLE_REVOKE_URL = 'https://oauth2.googleapis.com/revoke';

  @IsUrl(URL_OPTIONS)
  GOOGLE_HEALTH_API_BASE_URL = 'https://health.googleapis.com';

  /** Space-separated; the googlehealth read scopes the service's data types need. */
  @IsString()
  @MinLength(1)
  GOOGLE_HEALTH_SCOPES = [
    'activity_and_fitness',
    'health_metrics_and_measurements',
    'sleep',
    'ecg',
    'settings',
  ]
    .map((s) => `https://www.googleapis.com/auth/googlehealth.${s}.readonly`)
    .join(' ');

  /** Google Cloud project number (not the project id) the Health API subscriber is registered under. */
  @IsOptional()
  @Matches(/^\d{6,20}$/, { message: 'GOOGLE_CLOUD_PROJECT_NUMBER must be the numeric project number' })
  GOOGLE_CLOUD_PROJECT_NUMBER?: string;

  @Matches(/^[a-z][a-z0-9-]{3,62}$/, { message: 'GOOGLE_HEALTH_SUBSCRIBER_ID must be a lowercase id' })
  GOOGLE_HEALTH_SUBSCRIBER_ID = 'ohe-webhooks';

  /** Sent by Google as the Authorization header of every notification (`Bearer <secret>`). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{16,128}$/, {
    message: 'GOOGLE_HEALTH_WEBHOOK_SECRET must be 16-128 URL-safe characters',
  })
  GOOGLE_HEALTH_WEBHOOK_SECRET?: string;
}
