import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  Equals,
  IsArray,
  IsBoolean,
  IsDate,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { PaginationQuery } from '../../../common/pagination/pagination.js';
import type { FailedRow } from '../../../webhooks/inbox/inbox-dead-letters.js';

/** A replay by ids commits in one transaction; `all` walks any number of rows in chunks of this size. */
export const MAX_REPLAY_IDS = 500;

export class FailedInboxQuery extends PaginationQuery {
  @ApiPropertyOptional({ example: 'withings' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  provider?: string;

  @ApiPropertyOptional({ example: 'provider_rejected', description: 'Exact failure reason code' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reason?: string;

  @ApiPropertyOptional({ example: '2026-11-22T00:00:00Z', description: 'Failed at or after (ISO-8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'Must be an ISO-8601 date-time.' })
  since?: Date;

  @ApiPropertyOptional({ example: '2026-11-23T00:00:00Z', description: 'Failed before (ISO-8601)' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'Must be an ISO-8601 date-time.' })
  until?: Date;
}

export class FailedInboxRowDto {
  @ApiProperty({ example: '0b8e5e0e-3f57-4c38-9a43-5a4c1c7f2b11', description: 'Inbox row id (= job id)' })
  id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({ type: Number, nullable: true, example: 42 })
  link_id!: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'provider_unavailable',
    description:
      'a sync error code (provider_unavailable, provider_rate_limited, provider_rejected, link_needs_reauth, ' +
      'fhir_unavailable, fhir_rate_limited, fhir_rejected, fhir_not_configured), stalled, job_failed or error:<type>',
  })
  failure_reason!: string | null;

  @ApiProperty({ example: '2026-11-22T10:31:00.000Z' })
  failed_at!: string;

  @ApiProperty({ example: '2026-11-22T10:30:00.000Z' })
  received_at!: string;

  @ApiProperty({ example: 1, description: 'Times the row was queued (replays and re-queues count)' })
  attempts!: number;
}

export function toFailedInboxRowDto(r: FailedRow): FailedInboxRowDto {
  return {
    id: r.id,
    provider: r.provider,
    link_id: r.linkId,
    failure_reason: r.failureReason,
    failed_at: r.failedAt.toISOString(),
    received_at: r.receivedAt.toISOString(),
    attempts: r.attempts,
  };
}

export class FailedInboxPageDto {
  @ApiProperty({ example: 1 })
  count!: number;

  @ApiProperty({ type: String, nullable: true, example: null })
  next!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  previous!: string | null;

  @ApiProperty({ type: [FailedInboxRowDto] })
  results!: FailedInboxRowDto[];
}

/** Either `ids`, or `all: true` with an optional provider. */
export class ReplayFailedDto {
  @ApiPropertyOptional({ type: [String], maxItems: MAX_REPLAY_IDS, description: 'Inbox row ids to replay' })
  @ValidateIf((o: ReplayFailedDto) => o.all === undefined)
  @IsArray({ message: 'Give ids, or all: true.' })
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_REPLAY_IDS)
  @IsUUID('all', { each: true })
  ids?: string[];

  @ApiPropertyOptional({ example: true, description: 'Replay every failed row (of `provider` when given)' })
  @ValidateIf((o: ReplayFailedDto) => o.ids === undefined)
  @IsBoolean()
  @Equals(true)
  all?: boolean;

  @ApiPropertyOptional({ example: 'withings', description: 'With all: only this provider' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  provider?: string;
}

export class ReplayResultDto {
  @ApiProperty({ example: 1, description: 'Rows put back in the queue (rows no longer failed are skipped)' })
  replayed!: number;

  @ApiProperty({ type: [String] })
  ids!: string[];
}
