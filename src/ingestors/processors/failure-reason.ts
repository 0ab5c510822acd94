import { UnrecoverableError } from 'bullmq';
import { syncErrorCode } from '../sync/sync-errors.js';

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
  if (err instanceof Error && STALLED.test(err.message)) {
    return 'stalled';
  }
  // The codes sync status and device sync report (SYNC_ERRORS), so operators see one vocabulary.
  const code = syncErrorCode(err);
  if (code !== 'internal_error') {
    return code;
  }
  const name = err instanceof Error ? err.name.replace(/[^\w.-]/g, '').slice(0, 48) : '';
  return `error:${name === '' ? 'unknown' : name}`;
}
