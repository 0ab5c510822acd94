import { ApiProperty } from '@nestjs/swagger';

export class SubscriptionStatusDto {
  @ApiProperty({
    example: '44',
    description: "The provider's subscription name (Withings: the appli number)",
  })
  name!: string;

  @ApiProperty({
    enum: ['current', 'outdated', 'missing'],
    example: 'current',
    description: 'current: on our callback URL; outdated: on an old one of ours (rotated secret); missing',
  })
  status!: 'current' | 'outdated' | 'missing';
}

export class LinkSubscriptionsDto {
  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({
    enum: ['per_user', 'project'],
    example: 'per_user',
    description: 'project: one subscriber for every user (Google Health), nothing to show or repair per link',
  })
  scope!: 'per_user' | 'project';

  @ApiProperty({ example: true, description: 'Every subscription is current' })
  healthy!: boolean;

  @ApiProperty({ type: [SubscriptionStatusDto] })
  subscriptions!: SubscriptionStatusDto[];
}

export class SubscriptionRepairDto {
  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({ type: [String], example: ['44'], description: 'Missing, now subscribed' })
  added!: string[];

  @ApiProperty({ type: [String], example: [], description: 'Moved from an old callback URL of ours' })
  replaced!: string[];

  @ApiProperty({
    type: [String],
    example: [],
    description: 'On an old callback URL with nothing to replace: revoked',
  })
  removed!: string[];
}
