import { ApiProperty } from '@nestjs/swagger';

export class LinkDto {
  @ApiProperty({ example: 'Withings' })
  provider_name!: string;

  @ApiProperty({ example: 'withings' })
  provider_type!: string;

  @ApiProperty({ example: 'withings-user-67890' })
  external_user_id!: string;

  @ApiProperty({ example: true, description: 'The link works: tokens are valid and data flows' })
  active!: boolean;

  @ApiProperty({ example: 'active', enum: ['active', 'needs_reauth'] })
  status!: string;

  @ApiProperty({ example: '2025-09-24T12:34:56.000Z', description: 'When the link was first created (UTC)' })
  linked_at!: string;
}

export class LinkStatusDto {
  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({ example: true })
  linked!: boolean;

  @ApiProperty({ type: [LinkDto] })
  links!: LinkDto[];

  @ApiProperty({ example: 1 })
  total_links!: number;
}
