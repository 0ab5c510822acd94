import type { OperationOutcomeIssue } from 'fhir/r5.js';

/**
 * Why a retry may succeed. `conflict` is a lost race between concurrent writers of the same identifier (the
 * retry's conditional write then finds the winner); it says nothing about the server's health, so the circuit
 * breaker ignores it.
 */
export type RetryReason = 'server' | 'rate-limited' | 'timeout' | 'network' | 'conflict' | 'circuit-open';

/**
 * Every failure of a FHIR write ends up as one of these, so the queue layer needs one check: `retryable`
 * decides between retrying the job and failing it for good.
 */
export abstract class FhirError extends Error {
  abstract readonly retryable: boolean;
}

export class FhirRetryableError extends FhirError {
  override readonly name = 'FhirRetryableError';
  readonly retryable = true;

  constructor(
    message: string,
    readonly reason: RetryReason,
    /** HTTP status when the server (or the token endpoint) answered. */
    readonly status?: number,
    /** How long the server asked us to wait (Retry-After), or until the circuit breaker admits calls again. */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class FhirPermanentError extends FhirError {
  override readonly name = 'FhirPermanentError';
  readonly retryable = false;
  /**
   * The OperationOutcome's issues. Their `diagnostics` may quote resource content (health data), so the
   * property is not enumerable and log serializers that copy an error's fields leave it out; the message
   * carries only codes and element paths.
   */
  declare readonly issues: readonly OperationOutcomeIssue[];

  constructor(
    message: string,
    readonly status: number | undefined,
    issues: readonly OperationOutcomeIssue[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    Object.defineProperty(this, 'issues', { value: issues, enumerable: false });
  }
}

/** FHIR publishing was asked for but this deployment has no usable FHIR target configured. */
export class FhirConfigurationError extends FhirError {
  override readonly name = 'FhirConfigurationError';
  readonly retryable = false;
}

/** The shape fhir-kit-client throws for a non-2xx (or unparsable) response. */
interface HttpFailure {
  readonly response: { readonly status: number; readonly data: unknown };
  readonly config?: { readonly headers?: unknown };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isHttpFailure(err: unknown): err is HttpFailure {
  return isObject(err) && isObject(err['response']) && typeof err['response']['status'] === 'number';
}

/** The HTTP status of a fhir-kit-client failure, if it is one. */
export function httpStatusOf(err: unknown): number | undefined {
  return isHttpFailure(err) ? err.response.status : undefined;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') {
    return undefined;
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    return Number.parseInt(text, 10) * 1000;
  }
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function retryAfterOf(err: HttpFailure, now: number): number | undefined {
  const headers = err.config?.headers;
  return headers instanceof Headers ? parseRetryAfter(headers.get('retry-after'), now) : undefined;
}

/** The issues of an OperationOutcome body; anything else has none. */
export function outcomeIssues(data: unknown): OperationOutcomeIssue[] {
  if (!isObject(data) || data['resourceType'] !== 'OperationOutcome' || !Array.isArray(data['issue'])) {
    return [];
  }
  return (data['issue'] as unknown[]).filter(
    (i): i is OperationOutcomeIssue =>
      isObject(i) && typeof i['severity'] === 'string' && typeof i['code'] === 'string',
  );
}

/** `error/required at Observation.code`: codes and paths only, never diagnostics (they may quote values). */
export function summarizeIssues(issues: readonly OperationOutcomeIssue[], max = 3): string {
  const shown = issues.slice(0, max).map((i) => {
    const where = i.expression?.[0] ?? i.location?.[0];
    return where === undefined ? `${i.severity}/${i.code}` : `${i.severity}/${i.code} at ${where}`;
  });
  const more = issues.length > max ? `, +${issues.length - max} more` : '';
  return shown.length === 0 ? 'no OperationOutcome' : `${shown.join('; ')}${more}`;
}

const NETWORK_MESSAGES = new Set(['fetch failed', 'terminated']);

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/** undici reports refused, reset and dropped connections as TypeError('fetch failed' | 'terminated'). */
function isNetworkFailure(err: unknown): boolean {
  return err instanceof TypeError && NETWORK_MESSAGES.has(err.message);
}

/**
 * Maps what a FHIR request threw to a FhirError: 5xx, 408, 429 (with Retry-After), 409, timeouts and network
 * errors are retryable; other 4xx are permanent and carry the OperationOutcome. Returns undefined for anything
 * else (a bug, not an answer from the server), which the caller should rethrow as it is.
 */
export function toFhirError(
  err: unknown,
  what = 'FHIR transaction',
  now = Date.now(),
): FhirError | undefined {
  if (err instanceof FhirError) {
    return err;
  }
  if (isTimeout(err)) {
    return new FhirRetryableError(`${what} timed out`, 'timeout', undefined, undefined, { cause: err });
  }
  if (isNetworkFailure(err)) {
    return new FhirRetryableError(
      `${what} failed: FHIR server unreachable`,
      'network',
      undefined,
      undefined,
      {
        cause: err,
      },
    );
  }
  if (!isHttpFailure(err)) {
    return undefined;
  }
  const status = err.response.status;
  const retryAfterMs = retryAfterOf(err, now);
  const issues = outcomeIssues(err.response.data);
  const options = { cause: err };
  if (status === 429) {
    return new FhirRetryableError(
      `${what} rate-limited: HTTP 429`,
      'rate-limited',
      status,
      retryAfterMs,
      options,
    );
  }
  if (status === 408) {
    return new FhirRetryableError(`${what} timed out: HTTP 408`, 'timeout', status, retryAfterMs, options);
  }
  if (status === 409) {
    return new FhirRetryableError(
      `${what} conflicted with a concurrent write: HTTP 409 (${summarizeIssues(issues)})`,
      'conflict',
      status,
      retryAfterMs,
      options,
    );
  }
  if (status >= 500 || status < 400) {
    // Below 400 means a 2xx whose body was not JSON: a proxy or a broken server, not a verdict on our bundle.
    return new FhirRetryableError(`${what} failed: HTTP ${status}`, 'server', status, retryAfterMs, options);
  }
  return new FhirPermanentError(
    `${what} rejected: HTTP ${status} (${summarizeIssues(issues)})`,
    status,
    issues,
    options,
  );
}

/** Only errors that say the server is unwell count against the FHIR circuit breaker. */
export function breakerClass(err: unknown): 'failure' | 'ignore' {
  return err instanceof FhirRetryableError && err.reason !== 'conflict' && err.reason !== 'circuit-open'
    ? 'failure'
    : 'ignore';
}
