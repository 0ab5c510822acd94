import type { ArgumentMetadata, ValidationError as ClassValidatorError } from '@nestjs/common';
import { IsDefined, IsInt } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/api-error.js';
import { createValidationPipe, fieldErrors } from './validation.pipe.js';

class SyncRequestDto {
  @IsDefined({ message: 'This field is required.' })
  @IsInt({ message: 'Must be an integer.' })
  days!: number;

  @IsInt({ message: 'Must be an integer.' })
  limit!: number;
}

const BODY: ArgumentMetadata = { type: 'body', metatype: SyncRequestDto };

async function rejection(value: unknown): Promise<ValidationError> {
  try {
    await createValidationPipe().transform(value, BODY);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error('the pipe accepted invalid input');
}

describe(fieldErrors.name, () => {
  it('should return nothing for no errors', () => {
    expect(fieldErrors([])).toEqual({});
  });

  it('should map each property to its messages', () => {
    const errors: ClassValidatorError[] = [
      { property: 'limit', constraints: { isInt: 'Must be an integer.', min: 'Must be at least 1.' } },
      { property: 'offset', constraints: { min: 'Must be at least 0.' } },
    ];
    expect(fieldErrors(errors)).toEqual({
      limit: ['Must be an integer.', 'Must be at least 1.'],
      offset: ['Must be at least 0.'],
    });
  });

  it('should flatten nested children to dotted paths and skip parents without messages', () => {
    const errors: ClassValidatorError[] = [
      {
        property: 'patient',
        children: [
          { property: 'name', constraints: { isString: 'Must be a string.' } },
          {
            property: 'address',
            constraints: { isObject: 'Must be an object.' },
            children: [{ property: 'city', constraints: { isDefined: 'Required.' } }],
          },
        ],
      },
      {
        property: 'items',
        children: [{ property: '0', children: [{ property: 'id', constraints: { x: 'Bad.' } }] }],
      },
    ];
    expect(fieldErrors(errors)).toEqual({
      'patient.name': ['Must be a string.'],
      'patient.address': ['Must be an object.'],
      'patient.address.city': ['Required.'],
      'items.0.id': ['Bad.'],
    });
  });

  it('should prefix paths with the given parent', () => {
    expect(fieldErrors([{ property: 'x', constraints: { a: 'A.' } }], 'root')).toEqual({ 'root.x': ['A.'] });
  });
});

describe(createValidationPipe.name, () => {
  it('should transform and strip unknown fields from valid input', async () => {
    const out: unknown = await createValidationPipe().transform({ days: 3, limit: 5, extra: 'x' }, BODY);
    expect(out).toBeInstanceOf(SyncRequestDto);
    expect({ ...(out as SyncRequestDto) }).toEqual({ days: 3, limit: 5 });
  });

  it('should reject a missing field with a 400 validation_error naming it', async () => {
    const error = await rejection({ limit: 5 });
    expect(error.getStatus()).toBe(400);
    expect(error.code).toBe('validation_error');
    expect(error.message).toBe('Invalid request data');
    expect(error.details).toEqual({ days: ['This field is required.'] });
  });

  it('should report one message per field, for every bad field', async () => {
    const error = await rejection({ days: 1.5, limit: 'ten' });
    expect(error.details).toEqual({ days: ['Must be an integer.'], limit: ['Must be an integer.'] });
  });
});
