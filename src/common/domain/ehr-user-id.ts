import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, Matches } from 'class-validator';

/** EHR user ids are opaque tokens; this keeps them safe to use in keys, logs and FHIR identifiers. */
export const EHR_USER_ID_PATTERN = /^[A-Za-z0-9._@:-]{1,255}$/;

export const REQUIRED_MESSAGE = 'This field is required.';

/**
 * Property decorator for an ehr_user_id in a query or body DTO: required unless `description` says when it may be
 * left out (`optional`).
 */
export function EhrUserIdField(optional?: { readonly description: string }): PropertyDecorator {
  const doc = { example: 'user-12345', pattern: EHR_USER_ID_PATTERN.source };
  return applyDecorators(
    optional === undefined
      ? ApiProperty({ ...doc, description: "The EHR's user id" })
      : ApiPropertyOptional({ ...doc, description: optional.description }),
    optional === undefined ? IsDefined({ message: REQUIRED_MESSAGE }) : IsOptional(),
    IsString({ message: 'Must be a string.' }),
    Matches(EHR_USER_ID_PATTERN, {
      message: 'Must be 1-255 characters of letters, digits and . _ @ : -',
    }),
  );
}
