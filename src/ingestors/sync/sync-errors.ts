import { CircuitOpenError } from '../../common/resilience/circuit-breaker.js';
import { InvalidGrantError, InvalidTokenError, ProviderCallError } from '../auth/provider-auth.js';
import { ProviderRateLimitedError } from '../resilience/provider-gate.js';
import { LinkNotUsableError } from '../tokens/token.service.js';
import { PatientNotReadyError } from './patient-gate.js';
import {
  FhirConfigurationError,
  FhirPermanentError,
  FhirRetryableError,
} from '../../publishers/fhir-errors.js';

/**
 * What a failed sync reports to API clients (device sync `errors`, sync status messages, sync_states.last_error),
 * with what the caller can do about it. Error messages stay in the log: they name provider and FHIR hosts, ports
 * and URLs, which API clients have no business seeing.
 */
export const SYNC_ERRORS = {
  provider_unavailable:
    'The provider did not answer, answered with a server error, or is paused after repeated failures; retry later',
  provider_rate_limited: "The provider's rate limit (or this service's quota for it) is spent; retry later",
  provider_rejected: 'The provider refused the request; retrying will not help',
  link_needs_reauth: 'The patient revoked or lost the grant; the patient must link the account again',
  fhir_unavailable:
    'The FHIR server did not answer, answered with a server error, or is paused after repeated failures; retry later',
  fhir_rate_limited: "The FHIR server's rate limit is spent; retry later",
  fhir_rejected: 'The FHIR server refused the resources; retrying will not help',
  fhir_not_configured: 'This deployment has no usable FHIR target',
  consent_missing:
    'The JupyterHealth Exchange refused some records: the patient has not consented to their scope. Once the ' +
    'patient consents, POST /api/base/sync/{ehr_user_id}/{provider}/resync-rejected/ publishes them',
  jhe_rejected:
    'The JupyterHealth Exchange refused some records (not for consent); the rest were published. A re-sync ' +
    '(POST /api/base/sync/{ehr_user_id}/{provider}/resync-rejected/) tries them again',
  awaiting_patient:
    'The patient has no usable FHIR Patient reference yet: map it with PUT /api/base/patients/{ehr_user_id}/; ' +
    'the sync runs when the mapping arrives',
  patient_unavailable:
    'The FHIR server no longer has the mapped Patient (404 or 410): map the patient again; not retried until then',
  patient_replaced:
    'The mapped Patient was merged into another one (replaced-by): map the patient to it; not retried until then',
  internal_error: 'Anything else; the service log has the details under the request id',
} as const;

export type SyncErrorCode = keyof typeof SYNC_ERRORS;

export const SYNC_ERROR_CODES = Object.keys(SYNC_ERRORS) as SyncErrorCode[];

/** The text a stored code stands for; anything else (rows written before codes were stored) is not shown. */
export function syncErrorText(stored: string | null): string {
  return stored !== null && stored in SYNC_ERRORS ? SYNC_ERRORS[stored as SyncErrorCode] : 'Sync failed';
}

/** The code for what a sync threw; decided by the error's class, never by its message. */
export function syncErrorCode(err: unknown): SyncErrorCode {
  if (err instanceof PatientNotReadyError) {
    return err.state;
  }
  // Before ProviderCallError: a rate-limit error is a (retryable) ProviderCallError too.
  if (err instanceof ProviderRateLimitedError) {
    return 'provider_rate_limited';
  }
  if (err instanceof InvalidGrantError || err instanceof LinkNotUsableError) {
    return 'link_needs_reauth';
  }
  if (err instanceof InvalidTokenError) {
    return 'provider_rejected';
  }
  if (err instanceof ProviderCallError) {
    return err.retryable ? 'provider_unavailable' : 'provider_rejected';
  }
  // The FHIR publisher turns its own open breaker into a FhirRetryableError; a bare one is a provider's.
  if (err instanceof CircuitOpenError) {
    return err.breaker.startsWith('provider:') ? 'provider_unavailable' : 'internal_error';
  }
  if (err instanceof FhirRetryableError) {
    return err.reason === 'rate-limited' ? 'fhir_rate_limited' : 'fhir_unavailable';
  }
  if (err instanceof FhirPermanentError) {
    return 'fhir_rejected';
  }
  if (err instanceof FhirConfigurationError) {
    return 'fhir_not_configured';
  }
  return 'internal_error';
}
