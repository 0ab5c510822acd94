import { UnrecoverableError } from 'bullmq';
import { FhirError } from '../../publishers/fhir-errors.js';
import { ProviderCallError } from '../auth/provider-auth.js';

/** What BullMQ's stalled checker fails a job with after maxStalledCount. */
const STALLED = /stalled more than allowable limit/;

/**
 * A permanent failure that already knows its reason code; UnrecoverableError makes BullMQ fail it without spending
 * the remaining attempts. The original error stays as `cause` for the worker's logs.
 */
export class PermanentJobError extends UnrecoverableError {
  constructor(
    readonly reason: string,
    cause: unknown,
  ) {
    super(reason);
    this.cause = cause;
  }
}

/**
 * A short code for a job's final error, stored with the dead-lettered row and shown to operators. Error messages
 * are never used: they may carry hosts, URLs or provider answers; the kind of error is enough to decide on a replay.
 */
export function failureReason(err: unknown): string {
  if (err instanceof PermanentJobError) {
    return err.reason;
  }
  if (err instanceof ProviderCallError) {
    return err.retryable ? 'provider_unavailable' : 'provider_refused';
  }
  if (err instanceof FhirError) {
    return err.retryable ? 'fhir_unavailable' : 'fhir_refused';
  }
  if (err instanceof Error && STALLED.test(err.message)) {
    return 'stalled';
  }
  const name = err instanceof Error ? err.name.replace(/[^\w.-]/g, '').slice(0, 48) : '';
  return `error:${name === '' ? 'unknown' : name}`;
}
