import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from '../../common/resilience/circuit-breaker.js';
import { InvalidGrantError, InvalidTokenError, ProviderCallError } from '../auth/provider-auth.js';
import { ProviderRateLimitedError } from '../resilience/provider-gate.js';
import { LinkNotUsableError } from '../tokens/token.service.js';
import {
  FhirConfigurationError,
  FhirPermanentError,
  FhirRetryableError,
} from '../../publishers/fhir-errors.js';
import { SYNC_ERROR_CODES, syncErrorCode } from './sync-errors.js';

const HOST = 'wbsapi.example:8443';

describe('syncErrorCode', () => {
  it.each<[string, unknown, string]>([
    [
      'a provider rate limit',
      new ProviderRateLimitedError(`${HOST}: status 601`, 60_000),
      'provider_rate_limited',
    ],
    [
      'a retryable provider failure',
      new ProviderCallError(`${HOST}: fetch failed`, true),
      'provider_unavailable',
    ],
    ['a final provider refusal', new ProviderCallError(`${HOST}: status 2554`, false), 'provider_rejected'],
    ['a refused access token', new InvalidTokenError('refused'), 'provider_rejected'],
    [
      "the provider's open breaker",
      new CircuitOpenError('provider:withings', 1000, 'open'),
      'provider_unavailable',
    ],
    ['a dead refresh token', new InvalidGrantError('invalid_grant'), 'link_needs_reauth'],
    ['a link needing re-authorization', new LinkNotUsableError(7, 'needs_reauth'), 'link_needs_reauth'],
    ['an unreachable FHIR server', new FhirRetryableError('unreachable', 'network'), 'fhir_unavailable'],
    ["the FHIR breaker's refusal", new FhirRetryableError('not sent', 'circuit-open'), 'fhir_unavailable'],
    ['a FHIR 429', new FhirRetryableError('HTTP 429', 'rate-limited', 429), 'fhir_rate_limited'],
    ['a FHIR 422', new FhirPermanentError('HTTP 422', 422), 'fhir_rejected'],
    ['no FHIR target', new FhirConfigurationError('FHIR_BASE_URL is not set'), 'fhir_not_configured'],
    ['another breaker', new CircuitOpenError('something', 1000, 'open'), 'internal_error'],
    ['an unexpected error', new TypeError(`connect ECONNREFUSED ${HOST}`), 'internal_error'],
    ['a thrown non-error', 'oops', 'internal_error'],
  ])('should map %s by its class', (_what, err, code) => {
    expect(syncErrorCode(err)).toBe(code);
    expect(SYNC_ERROR_CODES).toContain(code);
  });
});
