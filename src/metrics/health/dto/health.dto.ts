import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * Why a check failed, as probes report it: `timeout` when the dependency did not answer within
 * HEALTH_CHECK_TIMEOUT_MS, `unavailable` for every other failure. The driver's message (hosts, ports) is logged,
 * never returned.
 */
export const PROBE_ERRORS = ['unavailable', 'timeout'] as const;
export type ProbeError = (typeof PROBE_ERRORS)[number];

export class ComponentHealthDto {
  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' })
  status!: 'healthy' | 'unhealthy';

  @ApiPropertyOptional({ example: 2.5 })
  response_time_ms?: number;

  @ApiPropertyOptional({
    enum: PROBE_ERRORS,
    example: 'unavailable',
    description:
      'Only when unhealthy. `timeout`: no answer within HEALTH_CHECK_TIMEOUT_MS; `unavailable`: every other ' +
      'failure. Details are in the service log, under the request id.',
  })
  error?: ProbeError;

  @ApiPropertyOptional({
    description: 'Job counts per queue (queue check only)',
    example: { notifications: { waiting: 0, active: 0, delayed: 0, failed: 0 } },
  })
  queues?: Record<string, Record<string, number>>;
}

export class HealthChecksDto {
  @ApiProperty({ type: ComponentHealthDto })
  database!: ComponentHealthDto;

  @ApiProperty({ type: ComponentHealthDto })
  redis!: ComponentHealthDto;

  @ApiProperty({ type: ComponentHealthDto })
  queue!: ComponentHealthDto;
}

export class HealthDto {
  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' })
  status!: 'healthy' | 'unhealthy';

  @ApiProperty({ example: 1733928600, description: 'Unix time, seconds' })
  timestamp!: number;

  @ApiProperty({ type: HealthChecksDto })
  checks!: HealthChecksDto;

  @ApiProperty({ example: 5.5 })
  response_time_ms!: number;
}

export class ReadinessDto {
  @ApiProperty({ example: true })
  ready!: boolean;

  @ApiPropertyOptional({
    example: true,
    description: 'Present once SIGTERM was received; checks are then skipped',
  })
  shutting_down?: true;

  @ApiProperty({ example: { database: true, redis: true } })
  checks!: { database: boolean; redis: boolean };
}

export class LivenessDto {
  @ApiProperty({ example: true })
  alive!: true;

  @ApiProperty({ example: 1733928600, description: 'Unix time, seconds' })
  timestamp!: number;
}
