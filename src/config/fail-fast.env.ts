import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CorsEnvironmentVariables } from './cors.env.js';
import { toInt } from './env-transforms.js';

/**
 * Bounds on how long a request may wait for Redis or Postgres. A webhook sender gives up after a few seconds and
 * retries later, so an outage must turn into a quick answer (2xx once the notification is stored, else 503), never
 * into a request that hangs.
 */
export class FailFastEnvironmentVariables extends CorsEnvironmentVariables {
  /** Longest wait for one Redis command of a request (queueing a job, rate-limit and statistics counters). */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  REDIS_COMMAND_TIMEOUT_MS = 1000;

  /** Longest wait for a database connection, and for the statement, when a webhook stores its notifications. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(30_000)
  INBOX_DB_TIMEOUT_MS = 500;

  /** Notifications waiting for their turn to be stored beyond which new ones are refused with 503. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  INBOX_MAX_PENDING = 5_000;
}
