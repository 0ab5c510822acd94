import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * OpenAPI shapes of what POST /webhooks/fitbit/ receives. The route validates by hand (google-envelopes.ts,
 * fitbit-legacy.ts) because one URL takes three unrelated bodies, told apart by content and headers.
 */

export class GoogleVerificationDto {
  @ApiProperty({ example: 'verification', enum: ['verification'] })
  type!: 'verification';
}

export class GooglePhysicalTimeIntervalDto {
  @ApiProperty({ example: '2026-03-08T01:29:00Z' })
  startTime!: string;

  @ApiProperty({ example: '2026-03-08T01:34:00Z' })
  endTime!: string;
}

export class GoogleIntervalDto {
  @ApiProperty({ type: GooglePhysicalTimeIntervalDto })
  physicalTimeInterval!: GooglePhysicalTimeIntervalDto;
}

export class GoogleNotificationDataDto {
  @ApiPropertyOptional({ example: '1' })
  version?: string;

  @ApiPropertyOptional({ description: 'A random UUID per notification under the AUTOMATIC policy' })
  clientProvidedSubscriptionName?: string;

  @ApiProperty({ example: '7583570207748835967', description: 'The linked account (external_user_id)' })
  healthUserId!: string;

  @ApiProperty({ enum: ['UPSERT', 'DELETE'] })
  operation!: 'UPSERT' | 'DELETE';

  @ApiProperty({ example: 'heart-rate', description: 'Kebab-case Google Health data type' })
  dataType!: string;

  @ApiPropertyOptional({ type: [GoogleIntervalDto] })
  intervals?: GoogleIntervalDto[];
}

export class GoogleNotificationEnvelopeDto {
  @ApiProperty({ type: GoogleNotificationDataDto })
  data!: GoogleNotificationDataDto;
}

export class LegacyFitbitNotificationDto {
  @ApiProperty({ example: 'activities' })
  collectionType!: string;

  @ApiProperty({ example: '2023-12-07' })
  date!: string;

  @ApiProperty({ example: 'ABC123', description: 'Legacy Fitbit user id (the link’s legacy_user_id)' })
  ownerId!: string;

  @ApiProperty({ example: 'user' })
  ownerType!: string;

  @ApiProperty({ example: '1' })
  subscriptionId!: string;
}
