import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
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
