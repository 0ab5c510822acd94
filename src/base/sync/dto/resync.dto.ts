import { ApiProperty } from '@nestjs/swagger';
import { TriggerDeviceSyncDto } from './device-sync.dto.js';

/** The path's patient and provider: the same two fields, and checks, as a device sync's body. */
export class ResyncRejectedParams extends TriggerDeviceSyncDto {}

export class ResyncRejectedDto {
  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({ example: true, description: 'Whether a re-sync was queued (false: nothing was refused)' })
  queued!: boolean;

  @ApiProperty({ type: [String], example: ['weight'], description: 'Data types with refused records' })
  data_types!: string[];

  @ApiProperty({ example: 3, description: 'Refused records those data types have, in all' })
  rejected_records!: number;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-20T10:00:00.000Z' })
  window_start!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-22T10:00:00.000Z' })
  window_end!: string | null;
}
