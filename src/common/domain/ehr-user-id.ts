import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Matches } from 'class-validator';

/** EHR user ids are opaque tokens; this keeps them safe to use in keys, logs and FHIR identifiers. */
export const EHR_USER_ID_PATTERN = /^[A-Za-z0-9._@:-]{1,255}$/;

export const REQUIRED_MESSAGE = 'This field is required.';

/** Property decorator for a required ehr_user_id in a query or body DTO. */
export function EhrUserIdField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      example: 'user-12345',
      description: "The EHR's user id",
      pattern: EHR_USER_ID_PATTERN.source,
    }),
    IsDefined({ message: REQUIRED_MESSAGE }),
    IsString({ message: 'Must be a string.' }),
    Matches(EHR_USER_ID_PATTERN, {
      message: 'Must be 1-255 characters of letters, digits and . _ @ : -',
    }),
  );
}
