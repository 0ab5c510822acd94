/**
 * Withings answers every API call with HTTP 200 and puts the outcome in `status` (research A1/A2), so these
 * are the only two shapes a client ever sees from the API host.
 */
export interface WithingsReply {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly error?: string;
}

export const ok = (body: Readonly<Record<string, unknown>> = {}): WithingsReply => ({ status: 0, body });

export const fail = (status: number, error: string): WithingsReply => ({ status, body: {}, error });

export const STATUS = {
  /** Authentication failed: invalid, expired or revoked token (A2 says: refresh). */
  authFailed: 401,
  /** Invalid params, the answer observed for a bad or reused authorization code. */
  invalidParams: 503,
  /** Invalid params, observed when the HEAD probe of a callback URL is rejected (e.g. HEAD → 405). */
  callbackRejected: 293,
  /** Invalid params family; the exact code for an unknown subscription is unconfirmed. */
  noSuchSubscription: 294,
  notImplemented: 2554,
  timeout: 522,
  badState: 524,
  tooManyRequests: 601,
} as const;

/** The text real responses carry for the injected statuses, so client logs read like production logs. */
export function injectedFailure(status: number): WithingsReply {
  switch (status) {
    case STATUS.tooManyRequests:
      return fail(status, 'Too Many Requests');
    case STATUS.timeout:
      return fail(status, 'Timeout');
    case STATUS.badState:
      return fail(status, 'Bad state');
    case STATUS.authFailed:
      return invalidToken();
    default:
      return fail(status, 'An error occurred');
  }
}

export const invalidToken = (): WithingsReply =>
  fail(STATUS.authFailed, 'XRequestID: Not provided invalid_token: The access token provided is invalid');
