import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { FhirError, FhirRetryableError } from '../../publishers/fhir-errors.js';
import { InvalidGrantError, ProviderCallError } from '../auth/provider-auth.js';
import { retryDelayOf } from '../resilience/provider-gate.js';
import { LinkNotUsableError } from '../tokens/token.service.js';

/** Spread of a delayed job's restart, so jobs held back together do not all come back in the same instant. */
const JITTER_MS = 1_000;

/**
 * How long to wait before trying again without spending an attempt: the provider or our own quota said so, or a
 * circuit breaker is open. Undefined for errors that should go through the normal retry/backoff.
 */
export function waitBeforeRetry(err: unknown): number | undefined {
  const providerWait = retryDelayOf(err);
  if (providerWait !== undefined) {
    return providerWait;
  }
  if (err instanceof FhirRetryableError && err.retryAfterMs !== undefined) {
    return err.retryAfterMs;
  }
  return undefined;
}

/** The link cannot be used until the patient links again: the job ends (completed), nothing to retry. */
export function isLinkUnusable(err: unknown): err is LinkNotUsableError | InvalidGrantError {
  return err instanceof LinkNotUsableError || err instanceof InvalidGrantError;
}

/** Errors no retry can cure: content the FHIR server refuses, a provider 4xx, missing configuration. */
export function isPermanent(err: unknown): boolean {
  return (err instanceof FhirError && !err.retryable) || (err instanceof ProviderCallError && !err.retryable);
}

/** Puts the active job back in the delayed set until `at` and tells the worker so; attemptsMade stays as it is. */
export async function delayJob(job: Job, token: string | undefined, waitMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(0, waitMs) + Math.floor(Math.random() * JITTER_MS), token);
  throw new DelayedError();
}

/**
 * Turns a failed run into BullMQ's terms: delayed (quota, open breaker: no attempt spent), unrecoverable
 * (permanent), or thrown as is (retried with exponential backoff and jitter).
 */
export async function settleFailure(job: Job, token: string | undefined, err: unknown): Promise<never> {
  const wait = waitBeforeRetry(err);
  if (wait !== undefined) {
    return delayJob(job, token, wait);
  }
  if (isPermanent(err)) {
    throw new UnrecoverableError(err instanceof Error ? `${err.name}: ${err.message}` : 'permanent error');
  }
  throw err;
}
