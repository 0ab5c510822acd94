import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

export class ErrorBodyDto {
  @ApiProperty({ example: 'validation_error' })
  error!: string;

  @ApiProperty({ example: 'Invalid request data' })
  message!: string;

  @ApiProperty({
    example: { ehr_user_id: ['This field is required.'] },
    type: 'object',
    additionalProperties: true,
  })
  details!: Record<string, unknown>;

  @ApiProperty({ example: '2026-11-22T10:30:00.000Z' })
  timestamp!: string;

  @ApiProperty({ example: 'req-12345-67890' })
  request_id!: string;
}

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input (validation_error with per-field messages)',
  401: 'Missing or invalid bearer credentials',
  403: 'Insufficient permissions',
  404: 'Not found (also returned for patients the caller may not see)',
  406: 'Unsupported API version in the Accept header',
  413: 'Request body too large',
  409: 'Conflict with the current state (e.g. the link is not active)',
  502: 'The provider answered with an error or could not be reached',
  503: 'A dependency is unavailable',
};

/** Documents the spec's error body for the listed statuses (406 is added everywhere by versioning). */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...[...new Set([...statuses, 406])].map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ErrorBodyDto }),
    ),
  );
}
