import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { EhrUserIdField } from '../../../common/domain/ehr-user-id.js';

export class TriggerDeviceSyncDto {
  @EhrUserIdField()
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings', description: 'Provider type (withings, fitbit)' })
  @IsString()
  @MaxLength(32)
  provider!: string;
}

export class DeviceSyncResultDto {
  @ApiProperty({ example: 'Device sync completed' })
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

  @ApiProperty({ type: [String], example: [] })
  errors!: string[];
}
