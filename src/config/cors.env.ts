import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { toBool, toInt } from './env-transforms.js';
import { SyncEnvironmentVariables } from './sync.env.js';

/** Cross-origin access to /api/ for browser front ends. The origin list itself is checked in corsConfig. */
export class CorsEnvironmentVariables extends SyncEnvironmentVariables {
  /** Comma-separated exact origins; unset or empty leaves CORS off. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Transform(toBool)
  @IsBoolean()
  CORS_ALLOW_CREDENTIALS = false;

  /** Seconds a browser may cache a preflight answer (Chromium caps it at 7200 on its own). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400)
  CORS_MAX_AGE_S = 600;
}
