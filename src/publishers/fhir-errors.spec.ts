import { describe, expect, it } from 'vitest';
import {
  breakerClass,
  FhirConfigurationError,
  FhirPermanentError,
  FhirRetryableError,
  parseRetryAfter,
  toFhirError,
} from './fhir-errors.js';

const NOW = Date.parse('2026-11-22T10:00:00Z');

/** What fhir-kit-client 2 throws for a non-2xx answer: `{ response: { status, data }, config: { headers } }`. */
function httpFailure(status: number, data: unknown = {}, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}: POST http://fhir.test/fhir`), {
    response: { status, data },
    config: { method: 'POST', url: 'http://fhir.test/fhir', headers: new Headers(headers) },
  });
}

const OUTCOME = {
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'error',
      code: 'required',
      expression: ['Bundle.entry[0].resource.code'],
      diagnostics: 'Observation 72 beats/minute has no code',
    },
    { severity: 'error', code: 'value', location: ['Bundle.entry[1].resource.status'] },
  ],
};

describe(toFhirError.name, () => {
  it.each([500, 502, 503, 504])('should make HTTP %i retryable server trouble', (status) => {
    const error = toFhirError(httpFailure(status), 'FHIR transaction', NOW);
    expect(error).toBeInstanceOf(FhirRetryableError);
    expect(error).toMatchObject({ retryable: true, reason: 'server', status, retryAfterMs: undefined });
  });

  it('should honour Retry-After in seconds on a 429', () => {
    const error = toFhirError(httpFailure(429, {}, { 'retry-after': '7' }), 'FHIR transaction', NOW);
    expect(error).toMatchObject({ retryable: true, reason: 'rate-limited', status: 429, retryAfterMs: 7000 });
  });

  it('should honour Retry-After as an HTTP date on a 503', () => {
    const error = toFhirError(
      httpFailure(503, {}, { 'retry-after': 'Sun, 22 Nov 2026 10:00:30 GMT' }),
      'FHIR transaction',
      NOW,
    );
    expect(error).toMatchObject({ reason: 'server', status: 503, retryAfterMs: 30_000 });
  });

  it('should make a timeout retryable', () => {
    const error = toFhirError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    expect(error).toMatchObject({
      retryable: true,
      reason: 'timeout',
      message: 'FHIR transaction timed out',
    });
  });

  it('should make a refused or dropped connection retryable', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(toFhirError(refused)).toMatchObject({ retryable: true, reason: 'network' });
    expect(toFhirError(new TypeError('terminated'))).toMatchObject({ retryable: true, reason: 'network' });
  });

  it('should make a 409 a retryable conflict, which the breaker ignores', () => {
    const error = toFhirError(httpFailure(409));
    expect(error).toMatchObject({ retryable: true, reason: 'conflict', status: 409 });
    expect(breakerClass(error)).toBe('ignore');
  });

  it('should make a 400 permanent, carrying the OperationOutcome issues and only codes and paths in the message', () => {
    const error = toFhirError(httpFailure(400, OUTCOME));
    expect(error).toBeInstanceOf(FhirPermanentError);
    const permanent = error as FhirPermanentError;
    expect(permanent.retryable).toBe(false);
    expect(permanent.status).toBe(400);
    expect(permanent.issues).toEqual(OUTCOME.issue);
    expect(permanent.message).toBe(
      'FHIR transaction rejected: HTTP 400 (error/required at Bundle.entry[0].resource.code; ' +
        'error/value at Bundle.entry[1].resource.status)',
    );
    expect(JSON.stringify(permanent)).not.toContain('beats/minute');
  });

  it.each([401, 403, 404, 412, 422])('should make HTTP %i permanent', (status) => {
    expect(toFhirError(httpFailure(status))).toMatchObject({
      retryable: false,
      status,
      issues: [],
      message: `FHIR transaction rejected: HTTP ${status} (no OperationOutcome)`,
    });
  });

  it('should make a 2xx with an unreadable body retryable', () => {
    expect(toFhirError(httpFailure(200, '<html>'))).toMatchObject({
      retryable: true,
      reason: 'server',
      status: 200,
    });
  });

  it('should leave errors that are not from the server alone', () => {
    expect(toFhirError(new RangeError('bug'))).toBeUndefined();
    expect(toFhirError('nope')).toBeUndefined();
    const known = new FhirConfigurationError('FHIR_BASE_URL is not set');
    expect(toFhirError(known)).toBe(known);
  });
});

describe(parseRetryAfter.name, () => {
  it.each<[string | null, number | undefined]>([
    ['0', 0],
    ['120', 120_000],
    ['Sun, 22 Nov 2026 09:59:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('should read %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe(breakerClass.name, () => {
  it('should count only retryable server trouble as a breaker failure', () => {
    expect(breakerClass(toFhirError(httpFailure(503)))).toBe('failure');
    expect(breakerClass(toFhirError(httpFailure(429)))).toBe('failure');
    expect(breakerClass(toFhirError(new TypeError('fetch failed')))).toBe('failure');
    expect(breakerClass(toFhirError(httpFailure(400)))).toBe('ignore');
    expect(breakerClass(new FhirRetryableError('open', 'circuit-open'))).toBe('ignore');
    expect(breakerClass(new FhirConfigurationError('x'))).toBe('ignore');
    expect(breakerClass(new Error('bug'))).toBe('ignore');
  });
});
