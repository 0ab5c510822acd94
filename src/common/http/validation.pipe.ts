import { ValidationPipe, type ValidationError as ClassValidatorError } from '@nestjs/common';
import { ValidationError } from '../errors/api-error.js';

/** Flattens nested class-validator errors into the spec's `{field: [messages]}` map (dotted paths). */
export function fieldErrors(errors: ClassValidatorError[], parent = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of errors) {
    const path = parent === '' ? e.property : `${parent}.${e.property}`;
    const messages = Object.values(e.constraints ?? {});
    if (messages.length > 0) {
      out[path] = messages;
    }
    Object.assign(out, fieldErrors(e.children ?? [], path));
  }
  return out;
}

/**
 * The global input pipe: unknown fields are stripped, values converted to the DTO's types, and any failure
 * answered with 400 `validation_error` listing every field's problems.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => new ValidationError(fieldErrors(errors)),
  });
}
