import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { toInt } from './env-transforms.js';
import { FailFastEnvironmentVariables } from './fail-fast.env.js';

/** How a SIGTERM is carried out (see shutdownConfig for how the two relate). */
export class ShutdownEnvironmentVariables extends FailFastEnvironmentVariables {
  /** Whole graceful shutdown, from the signal to exit; past it the process exits 1. */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 30_000;

  /** Readiness answers 503 this long, while everything is still served, before the listener closes. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300_000)
  SHUTDOWN_READINESS_DELAY_MS?: number;
}
