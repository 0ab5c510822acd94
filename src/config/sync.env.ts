import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import { toBool, toInt } from './env-transforms.js';
import { PatientEnvironmentVariables } from './patients.env.js';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Sync pipeline and webhook-verification settings: backfill depth, retries, provider quotas, the Google Health
 * webhook keyset and the legacy Fitbit subscriber contract. Validated at boot with the rest.
 */
export class SyncEnvironmentVariables extends PatientEnvironmentVariables {
  /** How far back the first sync of a new link reaches. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(365)
  SYNC_INITIAL_LOOKBACK_DAYS = 30;

  /** Attempts per sync job before it lands in the failed set (kept 30 days). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  SYNC_JOB_ATTEMPTS = 6;

  /** First retry delay; doubles per attempt, with jitter. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  SYNC_BACKOFF_MS = 5_000;

  /** Jobs one worker process runs at once, per queue. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 4;

  /**
   * Provider chunks one sync job fetches at most; a longer window (a backfill) goes on in a continuation job
   * queued behind other links' work, resuming from the progress saved per chunk.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  SYNC_BACKFILL_CHUNKS_PER_JOB = 7;

  /** Registers the nightly, daily and weekly repeatable jobs at worker start (idempotent). */
  @Transform(toBool)
  @IsBoolean()
  SYNC_SCHEDULES_ENABLED = true;

  /**
   * A repeat of an accepted notification (same provider and dedup key) within this many hours of it is dropped;
   * after that it is a new notification (Withings re-notifies an edited window, legacy Fitbit names only the day).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(720)
  INBOX_DEDUP_WINDOW_HOURS = 24;

  /**
   * How often each worker process looks for inbox rows whose job never ran (lost to a Redis outage or crash) and
   * how old such a row must be before it counts as lost: younger rows may still be on their way to the queue.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(3_600_000)
  INBOX_RECONCILE_INTERVAL_MS = 60_000;

  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(86_400_000)
  INBOX_RECONCILE_STALE_AFTER_MS = 300_000;

  /** Finished (done, dropped) inbox rows are purged this many days after they were received. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  INBOX_RETENTION_DAYS = 7;

  /** Audit events are purged after this many days; six years by default (HIPAA documentation retention). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36_500)
  AUDIT_RETENTION_DAYS = 2190;

  /** Withings: requests per minute for the whole application (Withings allows 120 a minute per application). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  WITHINGS_QUOTA_PER_MINUTE = 120;

  /** Google Health API: requests per minute per user (Google allows 300 a minute per user). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  GOOGLE_HEALTH_QUOTA_PER_MINUTE = 300;

  /** The Tink public keyset (JSON) that signs Google Health notifications; when set, the URL is not fetched. */
  @IsOptional()
  @IsString()
  GOOGLE_HEALTH_WEBHOOK_KEYSET?: string;

  /** Where the keyset is published; fetched on first use and again when an unknown key id shows up. */
  @IsUrl(URL_OPTIONS)
  GOOGLE_HEALTH_WEBHOOK_KEYSET_URL =
    'https://www.gstatic.com/googlehealthapi/webhooks/webhooks_public_keyset.json';

  /** Legacy Fitbit subscriber verification code (GET /webhooks/fitbit/?verify=). Unset: every verify is 404. */
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'FITBIT_VERIFICATION_CODE must be at least 8 characters' })
  FITBIT_VERIFICATION_CODE?: string;

  /** Legacy Fitbit client secret: X-Fitbit-Signature is HMAC-SHA1 keyed with `<secret>&`. Unset: refused. */
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'FITBIT_CLIENT_SECRET must be at least 8 characters' })
  FITBIT_CLIENT_SECRET?: string;
}
