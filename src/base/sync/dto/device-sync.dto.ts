import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { EhrUserIdField } from '../../../common/domain/ehr-user-id.js';
import { SYNC_ERROR_CODES, SYNC_ERRORS, type SyncErrorCode } from '../../../ingestors/sync/sync-errors.js';

export class TriggerDeviceSyncDto {
  @EhrUserIdField()
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings', description: 'Provider type (withings, fitbit)' })
  @IsString()
  @MaxLength(32)
  provider!: string;
}

export class DeviceSyncResultDto {
  @ApiProperty({
    example: 'Device sync completed',
    description: '`Device sync completed` or `Device sync failed`',
  })
  message!: string;

  @ApiProperty({ example: 'device-sync-20261122-103000' })
  sync_id!: string;

  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({ example: 2, description: 'Devices the provider reported and we published' })
  devices_processed!: number;

  @ApiProperty({
    example: 2,
    description: 'DeviceAssociations created by this sync (0 when they already existed)',
  })
  associations_created!: number;

  @ApiProperty({ example: true })
  success!: boolean;

  @ApiProperty({
    enum: SYNC_ERROR_CODES,
    isArray: true,
    example: [],
    description:
      'Empty on success; otherwise one fixed code (details are in the service log under the request id):\n' +
      Object.entries(SYNC_ERRORS)
        .map(([code, meaning]) => `- \`${code}\`: ${meaning}`)
        .join('\n'),
  })
  errors!: SyncErrorCode[];
}
