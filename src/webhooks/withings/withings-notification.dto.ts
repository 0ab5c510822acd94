import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Withings posts form fields (strings); JSON senders may use numbers. Both become strings. */
const asString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'number' && Number.isFinite(value) ? String(value) : value;

const DIGITS = /^\d{1,20}$/;

/**
 * A Withings data-update notification: ids, time bounds and the change kind only. Other fields Withings may send
 * (callbackurl, comment) are stripped by the global pipe.
 */
export class WithingsNotificationDto {
  @ApiProperty({ example: '12345', description: 'Withings user id' })
  @Transform(asString)
  @IsString()
  @Matches(DIGITS, { message: 'userid must be a numeric Withings user id' })
  userid!: string;

  @ApiProperty({ example: '4', description: 'Notification category' })
  @Transform(asString)
  @IsString()
  @Matches(/^\d{1,3}$/, { message: 'appli must be a Withings notification category number' })
  appli!: string;

  @ApiPropertyOptional({ example: '1701942000' })
  @IsOptional()
  @Transform(asString)
  @IsString()
  @Matches(DIGITS, { message: 'startdate must be an epoch time' })
  startdate?: string;

  @ApiPropertyOptional({ example: '1701942600' })
  @IsOptional()
  @Transform(asString)
  @IsString()
  @Matches(DIGITS, { message: 'enddate must be an epoch time' })
  enddate?: string;

  @ApiPropertyOptional({ example: '2023-12-07', description: 'YYYY-MM-DD or epoch (event notifications)' })
  @IsOptional()
  @Transform(asString)
  @IsString()
  @Matches(/^(\d{4}-\d{2}-\d{2}|\d{1,20})$/, { message: 'date must be YYYY-MM-DD or an epoch time' })
  date?: string;

  @ApiPropertyOptional({ description: 'Device id, when the notification concerns a device' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  deviceid?: string;

  @ApiPropertyOptional({ example: 'unlink', description: 'appli 46 only: update, unlink or delete' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]{1,32}$/, { message: 'action must be a lowercase word' })
  action?: string;
}

export class ChallengeQueryDto {
  @ApiPropertyOptional({ description: 'Echoed back as text/plain' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  challenge?: string;
}

export class WebhookAcceptedDto {
  @ApiProperty({ example: 'accepted' })
  status!: 'accepted';

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({ example: 1 })
  sync_tasks_queued!: number;

  @ApiProperty({ example: '2023-12-07T10:30:00.000Z' })
  timestamp!: string;
}
