import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { DATA_TYPES } from '../../../common/domain/data-type.js';
import { TriggerDeviceSyncDto } from './device-sync.dto.js';

const STATUSES = ['queued', 'running', 'completed', 'failed'] as const;

/** POST /api/base/sync/trigger/: the patient and provider as for a device sync, plus what and when to fetch. */
export class TriggerSyncDto extends TriggerDeviceSyncDto {
  @ApiPropertyOptional({
    type: [String],
    enum: DATA_TYPES,
    example: ['steps', 'heart_rate'],
    description:
      "Data types to fetch (default: every type the provider offers); one it doesn't offer is a 400",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(DATA_TYPES.length)
  @IsIn(DATA_TYPES, { each: true, message: `Each must be one of: ${DATA_TYPES.join(', ')}.` })
  data_types?: string[];

  @ApiPropertyOptional({
    example: '2026-11-20T00:00:00.000Z',
    description:
      'Window start (default: the lookback limit, SYNC_INITIAL_LOOKBACK_DAYS before now); earlier is a 400',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'Must be an ISO-8601 date-time.' })
  start?: string;

  @ApiPropertyOptional({
    example: '2026-11-22T00:00:00.000Z',
    description: 'Window end (default: now); a future end is clamped to now and reported in `clamped`',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'Must be an ISO-8601 date-time.' })
  end?: string;
}

export class SyncRequestParams {
  @ApiProperty({ example: '3f0e8a52-6c1b-4d0e-9d6f-0b8f1c2a7e41' })
  @IsUUID('all', { message: 'Must be a sync request id (UUID).' })
  id!: string;
}

export class SyncRequestDto {
  @ApiProperty({ example: '3f0e8a52-6c1b-4d0e-9d6f-0b8f1c2a7e41' })
  sync_request_id!: string;

  @ApiProperty({ enum: STATUSES, example: 'running' })
  status!: (typeof STATUSES)[number];

  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({ type: [String], example: ['steps', 'heart_rate'] })
  data_types!: string[];

  @ApiProperty({ example: '2026-11-20T00:00:00.000Z' })
  window_start!: string;

  @ApiProperty({ example: '2026-11-22T00:00:00.000Z' })
  window_end!: string;

  @ApiProperty({ example: 1, description: 'Provider chunks of the window fetched and published so far' })
  chunks_done!: number;

  @ApiProperty({ type: Number, nullable: true, example: 2, description: 'Chunks in all (null until known)' })
  chunks_total!: number | null;

  @ApiProperty({ example: 1440, description: 'Records fetched and published so far (counts, never values)' })
  records_published!: number;

  @ApiProperty({
    type: [String],
    example: [],
    description: 'Error codes of failed attempts (SYNC_ERRORS codes)',
  })
  errors!: string[];

  @ApiProperty({ example: '2026-11-22T10:30:00.000Z' })
  created_at!: string;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-22T10:30:01.000Z' })
  started_at!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  finished_at!: string | null;
}

export class SyncTriggerResultDto extends SyncRequestDto {
  @ApiProperty({
    example: false,
    description:
      'True when a queued or running request for the same link, window and data types was returned',
  })
  deduplicated!: boolean;

  @ApiProperty({
    type: [String],
    example: [],
    description:
      'Bounds the service moved: `end` when a future end was clamped to now, `start` when it was up to a minute before the lookback limit',
  })
  clamped!: string[];
}
