import { ServiceUnavailableError } from '../../common/errors/api-error.js';

/** Senders retry a refused notification later; half a minute lets a database blip pass. */
const RETRY_AFTER_S = 30;

/** The inbox cannot store notifications now (database away or too slow, or too many waiting): 503, retry later. */
export class InboxUnavailableError extends ServiceUnavailableError {
  constructor(reason: string, options?: { cause: unknown }) {
    super(`Notifications cannot be stored right now (${reason}); retry later`, RETRY_AFTER_S);
    if (options !== undefined) {
      this.cause = options.cause;
    }
  }
}
