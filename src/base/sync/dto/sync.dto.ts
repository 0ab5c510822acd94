import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { EhrUserIdField } from '../../../common/domain/ehr-user-id.js';
import { ProviderDto } from '../../providers/dto/provider.dto.js';
import { PATIENT_MAPPING_STATUSES, type PatientMappingStatus } from '../../entities/ehr-user.entity.js';

export class EhrUserQuery {
  @EhrUserIdField()
  ehr_user_id!: string;
}

export class SyncStatusQuery extends EhrUserQuery {
  @ApiPropertyOptional({ example: 'withings', description: 'Limit the answer to one provider' })
  @IsOptional()
  @IsString()
  provider?: string;
}

export class SyncErrorDto {
  @ApiProperty({ example: 'heart_rate' })
  data_type!: string;

  @ApiProperty({ example: 'Provider API unavailable' })
  message!: string;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-22T10:30:00.000Z' })
  occurred_at!: string | null;
}

export const SYNC_SUMMARY_STATUSES = [
  'completed',
  'failed',
  'running',
  'no_recent_sync',
  'awaiting_patient',
  'patient_unavailable',
  'patient_replaced',
  'partially_rejected',
] as const;
export type SyncSummaryStatus = (typeof SYNC_SUMMARY_STATUSES)[number];

export class BackfillProgressDto {
  @ApiProperty({ example: 12, description: 'Provider chunks of the window published so far' })
  chunks_done!: number;

  @ApiProperty({ example: 30, description: 'Provider chunks of the window in all' })
  chunks_total!: number;
}

export class RejectedRecordsDto {
  @ApiProperty({ example: 'weight' })
  data_type!: string;

  @ApiProperty({ example: 3, description: 'Records refused and not published yet' })
  records!: number;

  @ApiProperty({
    enum: ['consent_missing', 'jhe_rejected'],
    example: 'consent_missing',
    description:
      'consent_missing: JHE answered 403 (no consent for the scope); jhe_rejected: every other refusal',
  })
  reason!: string;
}

export class ProviderSyncSummaryDto {
  @ApiProperty({ enum: SYNC_SUMMARY_STATUSES, example: 'completed' })
  status!: SyncSummaryStatus;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-22T10:30:00.000Z' })
  last_sync!: string | null;

  @ApiProperty({ type: Number, nullable: true, example: 15 })
  records_synced!: number | null;

  @ApiProperty({ type: [SyncErrorDto] })
  errors!: SyncErrorDto[];

  @ApiPropertyOptional({
    type: BackfillProgressDto,
    description:
      "Present while a sync is part-way through a long window (a backfill): the least advanced data type's " +
      'progress. A failed or interrupted backfill resumes from here.',
  })
  backfill?: BackfillProgressDto;

  @ApiPropertyOptional({
    type: [RejectedRecordsDto],
    description:
      'JupyterHealth Exchange targets: per data type, records JHE refused in the batch response and that wait for ' +
      'a re-sync (POST /api/base/sync/{ehr_user_id}/{provider}/resync-rejected/, after the patient consents). ' +
      'Empty when none are left; absent when the link never synced.',
  })
  rejected?: RejectedRecordsDto[];
}

export class SyncPatientDto {
  @ApiProperty({
    enum: PATIENT_MAPPING_STATUSES,
    example: 'patient_replaced',
    description:
      'unmapped: no mapping (UNMAPPED_PATIENT_POLICY decides); mapped; patient_unavailable: the target answered ' +
      '404/410 for the mapped Patient; patient_replaced: it was merged into replaced_by. Syncs of the last two ' +
      'wait until the patient is mapped again.',
  })
  status!: PatientMappingStatus;

  @ApiProperty({ type: String, nullable: true, example: 'pat-001' })
  fhir_patient_id!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'replaced',
    description: 'not_found, deleted or replaced',
  })
  reason!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'pat-002' })
  replaced_by!: string | null;
}

export class SingleProviderSyncStatusDto extends ProviderSyncSummaryDto {
  @ApiProperty({ type: SyncPatientDto })
  patient!: SyncPatientDto;

  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;
}

export class AllProvidersSyncStatusDto {
  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ type: SyncPatientDto })
  patient!: SyncPatientDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ProviderSyncSummaryDto' },
    example: {
      withings: {
        status: 'completed',
        last_sync: '2026-11-22T10:30:00.000Z',
        records_synced: 15,
        errors: [],
      },
      fitbit: { status: 'no_recent_sync', last_sync: null, records_synced: null, errors: [] },
    },
  })
  providers!: Record<string, ProviderSyncSummaryDto>;
}

export class ConnectedProviderDto {
  @ApiProperty({ example: 1, description: 'Link id' })
  id!: number;

  @ApiProperty({ type: ProviderDto })
  provider!: ProviderDto;

  @ApiProperty({ example: 'withings-user-67890' })
  external_user_id!: string;

  @ApiProperty({ example: 'active', enum: ['active', 'needs_reauth'] })
  status!: string;

  @ApiProperty({ example: '2026-11-20T12:34:56.000Z' })
  linked_at!: string;
}

export class ConnectedProvidersDto {
  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ type: [ConnectedProviderDto] })
  connected_providers!: ConnectedProviderDto[];

  @ApiProperty({ example: 1 })
  total_providers!: number;
}
