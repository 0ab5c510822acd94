import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { EhrUserIdField, REQUIRED_MESSAGE } from '../../../common/domain/ehr-user-id.js';
import { EhrUserQuery } from '../../sync/dto/sync.dto.js';

export class StartLinkQuery extends EhrUserQuery {
  @ApiPropertyOptional({
    example: 'https://app.example/linked',
    description: 'Where the browser goes after linking; must match LINK_REDIRECT_ALLOWLIST',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  success_url?: string;

  @ApiPropertyOptional({
    example: 'https://app.example/link-failed',
    description: 'Where the browser goes on failure, with ?error=<code>; must match LINK_REDIRECT_ALLOWLIST',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  error_url?: string;
}

export class UnlinkResultDto {
  @ApiPropertyOptional({ example: 'Provider unlinked' })
  message!: string;

  @ApiPropertyOptional({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiPropertyOptional({ example: 'withings' })
  provider!: string;

  @ApiPropertyOptional({ example: 'unlinked' })
  status!: string;
}

/** GET /api/base/link/{provider}/ with `Accept: application/json`, for apps that start linking with a fetch. */
export class LinkStartDto {
  @ApiProperty({ example: 'https://account.withings.com/oauth2_user/authorize2?response_type=code&state=…' })
  authorization_url!: string;

  @ApiProperty({
    example: '2026-12-07T14:10:00.000Z',
    description: 'When the started flow stops being accepted',
  })
  expires_at!: string;
}

export class ConfirmLinkBody {
  @ApiProperty({
    example: 'Vw3m2nN0c6d7mB0xq8b3h1eWJpZk9yQ1N0cmluZ0hlcmUx',
    description: 'The confirmation_code the callback added to success_url',
  })
  @IsDefined({ message: REQUIRED_MESSAGE })
  @IsString({ message: 'Must be a string.' })
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'Not a confirmation code.' })
  confirmation_code!: string;

  @EhrUserIdField({
    description: 'The patient the link was started for; required with a service credential',
  })
  ehr_user_id?: string;
}

export class LinkConfirmedDto {
  @ApiProperty({ example: 'Provider linked' })
  message!: string;

  @ApiProperty({ example: 'user-12345' })
  ehr_user_id!: string;

  @ApiProperty({ example: 'withings' })
  provider!: string;

  @ApiProperty({ example: 'linked' })
  status!: string;

  @ApiProperty({ example: '12345678' })
  external_user_id!: string;
}
