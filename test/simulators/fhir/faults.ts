import { operationOutcome, statusLine, type FhirResult } from './outcomes.js';

/**
 * A fault for the next `times` requests (default 1), in the order injected. With `status` the request is answered
 * with that status and an OperationOutcome without being processed; with `delayMs` the answer (fault or real)
 * comes that much later; with `hang` it never comes (until the client gives up, reset() or stop()). An empty
 * fault is a 503. 429 and 503 carry `Retry-After` when `retryAfterSeconds` is set; 429 defaults to 1 second.
 */
export interface FhirFault {
  readonly status?: number;
  readonly times?: number;
  readonly delayMs?: number;
  readonly hang?: boolean;
  readonly retryAfterSeconds?: number;
}

export class FaultPlan {
  private readonly queue: Array<{ fault: FhirFault; remaining: number }> = [];

  add(fault: FhirFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`fault.times must be a positive integer, got ${times}`);
    }
    this.queue.push({ fault, remaining: times });
  }

  /** The fault for the request arriving now, if any; faults are consumed on arrival, not on completion. */
  take(): FhirFault | undefined {
    const head = this.queue[0];
    if (head === undefined) {
      return undefined;
    }
    head.remaining--;
    if (head.remaining === 0) {
      this.queue.shift();
    }
    return head.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/** The canned answer of a status fault, or undefined when the fault only delays or hangs. */
export function faultResult(fault: FhirFault): FhirResult | undefined {
  const status = fault.status ?? (fault.delayMs === undefined && fault.hang !== true ? 503 : undefined);
  if (status === undefined) {
    return undefined;
  }
  const retryAfter = fault.retryAfterSeconds ?? (status === 429 ? 1 : undefined);
  const code = status === 429 ? 'throttled' : status >= 500 ? 'transient' : 'processing';
  return {
    status,
    headers: retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    body: operationOutcome([{ code, diagnostics: `Injected fault: ${statusLine(status)}` }]),
  };
}

/**
 * The 422 a real server gives a resource it refuses (a profile or business rule), for any request carrying a
 * resource (a bundle entry's included) whose identifier value is one of `values`; undefined when none is.
 * A transaction holding one refused entry is refused whole, as the spec's all-or-nothing rule says.
 */
export function refusalResult(values: ReadonlySet<string>, body: unknown): FhirResult | undefined {
  if (values.size === 0 || typeof body !== 'object' || body === null) {
    return undefined;
  }
  const json = body as { entry?: Array<{ resource?: unknown }> };
  const resources = Array.isArray(json.entry) ? json.entry.map((e) => e.resource) : [body];
  const refused = resources.some((r) => {
    const identifiers = (r as { identifier?: Array<{ value?: unknown }> } | undefined)?.identifier;
    return (
      Array.isArray(identifiers) &&
      identifiers.some((i) => typeof i.value === 'string' && values.has(i.value))
    );
  });
  return refused
    ? {
        status: 422,
        headers: {},
        body: operationOutcome([{ code: 'business-rule', diagnostics: 'Injected refusal of one resource' }]),
      }
    : undefined;
}
