import { HttpException, HttpStatus } from '@nestjs/common';

export type ErrorDetails = Record<string, unknown>;

/** The error body of the spec, shared by every route: machine code, human message, details, time and request id. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly details: ErrorDetails;
  readonly timestamp: string;
  readonly request_id: string;
}

/**
 * An HTTP error with a stable machine-readable code. Domain code throws the typed subclasses below; the global
 * filter renders them in the spec's shape.
 */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails = {},
    readonly headers: Readonly<Record<string, string>> = {},
    /** Extra top-level body fields some responses carry by spec (the 429 body's limit and retry_after). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message, status);
  }
}

export class ValidationError extends ApiError {
  constructor(details: Record<string, string[]>, message = 'Invalid request data') {
    super(HttpStatus.BAD_REQUEST, 'validation_error', message, details);
  }

  static field(field: string, problem: string): ValidationError {
    return new ValidationError({ [field]: [problem] });
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(HttpStatus.NOT_FOUND, 'not_found', message, details);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message = 'Authentication required') {
    super(HttpStatus.UNAUTHORIZED, 'authentication_required', message, {}, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends ApiError {
  constructor(message = 'Insufficient permissions') {
    super(HttpStatus.FORBIDDEN, 'forbidden', message);
  }
}

export class NotAcceptableError extends ApiError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(HttpStatus.NOT_ACCEPTABLE, 'not_acceptable', message, details);
  }
}

export class RateLimitError extends ApiError {
  constructor(limit: number, windowSeconds: number, retryAfterSeconds: number) {
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limit_exceeded',
      'Rate limit exceeded',
      {},
      { 'Retry-After': String(retryAfterSeconds) },
      { limit, window_seconds: windowSeconds, retry_after: retryAfterSeconds },
    );
  }
}

/** A dependency is down: the client should retry after `retryAfterSeconds` (webhook senders do). */
export class ServiceUnavailableError extends ApiError {
  constructor(message: string, retryAfterSeconds: number) {
    const headers = { 'Retry-After': String(retryAfterSeconds) };
    super(HttpStatus.SERVICE_UNAVAILABLE, 'service_unavailable', message, {}, headers);
  }
}
