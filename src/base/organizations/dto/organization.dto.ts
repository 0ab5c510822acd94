import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUrl, Length, Matches, ValidateNested } from 'class-validator';
import {
  FHIR_AUTH_KINDS,
  TARGET_KINDS,
  type FhirAuthKind,
  type TargetKind,
} from '../../../common/organizations/organization.entity.js';
import { FHIR_ID_PATTERN } from '../../../common/domain/fhir-id.js';

const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
const SLUG_MESSAGE = 'Must be 1-64 lowercase letters, digits and -, starting with a letter or digit.';

export class OrganizationParams {
  @ApiProperty({ example: 'hospital-a', pattern: SLUG_PATTERN.source })
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug!: string;
}

/** An optional secret or setting string of the auth document (never echoed back). */
function AuthString(description: string, max = 16_384): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description, writeOnly: true }),
    IsOptional(),
    IsString({ message: 'Must be a string.' }),
    Length(1, max, { message: `Must be 1-${max} characters.` }),
  );
}

/** How the service authenticates at the organization's target. Write-only: GET reports the kind only. */
export class FhirAuthDto {
  @ApiProperty({ enum: FHIR_AUTH_KINDS, example: 'client_credentials' })
  @IsIn(FHIR_AUTH_KINDS, { message: `Must be one of ${FHIR_AUTH_KINDS.join(', ')}.` })
  kind!: FhirAuthKind;

  @AuthString('static_header: the header name (default Authorization)', 128)
  header?: string;

  @AuthString('static_header: the whole header value; a bare token in Authorization becomes Bearer <token>')
  value?: string;

  @AuthString('client_credentials, smart_backend: the client id', 255)
  client_id?: string;

  @AuthString('client_credentials: the client secret')
  client_secret?: string;

  @AuthString('smart_backend: RSA (RS384) or P-384 EC (ES384) private key, PEM or JWK JSON')
  private_key?: string;

  @AuthString('smart_backend: the kid of the registered public key', 255)
  key_id?: string;

  @AuthString('smart_backend: RS384 or ES384 (default: the one the key fits)', 8)
  signing_alg?: string;

  @AuthString('OAuth token endpoint (default: discovered from {base}/.well-known/smart-configuration)', 2048)
  token_url?: string;

  @AuthString('Space-separated scopes (default: FHIR_SCOPES’s default)', 2048)
  scopes?: string;
}

function TargetUrl(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description, example: 'https://fhir.hospital-a.example/fhir' }),
    IsOptional(),
    IsUrl(
      { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
      { message: 'Must be an http(s) URL.' },
    ),
    Length(1, 2048, { message: 'Must be at most 2048 characters.' }),
  );
}

/** The settable parts of an organization; which are required depends on the target (checked by the service). */
export class UpdateOrganizationDto {
  @ApiPropertyOptional({ example: 'Hospital A' })
  @IsOptional()
  @IsString({ message: 'Must be a string.' })
  @Length(1, 255, { message: 'Must be 1-255 characters.' })
  name?: string;

  @ApiPropertyOptional({
    enum: TARGET_KINDS,
    description: 'fhir (a FHIR R5 server) or jhe (JupyterHealth Exchange)',
  })
  @IsOptional()
  @IsIn(TARGET_KINDS, { message: `Must be one of ${TARGET_KINDS.join(', ')}.` })
  target?: TargetKind;

  @TargetUrl('target fhir: the FHIR server base URL')
  fhir_base_url?: string;

  @ApiPropertyOptional({ type: FhirAuthDto, description: 'Replaces the stored auth settings as a whole' })
  @IsOptional()
  @ValidateNested()
  @Type(() => FhirAuthDto)
  fhir_auth?: FhirAuthDto;

  @TargetUrl('target jhe: the JupyterHealth Exchange base URL (its FHIR API is {jhe_base_url}/FHIR/R5)')
  jhe_base_url?: string;

  @ApiPropertyOptional({ example: '70001', description: 'target jhe: the data source (Device) id' })
  @IsOptional()
  @Matches(FHIR_ID_PATTERN, { message: 'Must be a FHIR id: 1-64 letters, digits, - and .' })
  jhe_data_source_id?: string;
}

/** name is required too (checked by the service: the validators of name are UpdateOrganizationDto's). */
export class CreateOrganizationDto extends UpdateOrganizationDto {
  @ApiProperty({ example: 'hospital-a', pattern: SLUG_PATTERN.source, description: 'Never changes' })
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug!: string;
}

/** An organization as GET reports it: never a secret, only which kind of auth is set. */
export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'hospital-a' }) slug!: string;
  @ApiProperty({ example: 'Hospital A' }) name!: string;
  @ApiProperty({ enum: TARGET_KINDS }) target!: TargetKind;
  @ApiProperty({ nullable: true, type: String }) fhir_base_url!: string | null;
  @ApiProperty({ enum: FHIR_AUTH_KINDS }) fhir_auth_kind!: FhirAuthKind;
  @ApiProperty({ nullable: true, type: String }) jhe_base_url!: string | null;
  @ApiProperty({ nullable: true, type: String }) jhe_data_source_id!: string | null;
  @ApiProperty({
    enum: ['environment', 'organization'],
    description: 'environment: the default organization, whose target the FHIR_* settings configure',
  })
  target_source!: 'environment' | 'organization';
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}
