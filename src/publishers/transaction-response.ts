import type { Bundle } from 'fhir/r5.js';
import { FhirPermanentError } from './fhir-errors.js';

/**
 * What happened to one entry: `created` (201), `updated` (200 to a conditional update: the resource existed and
 * was written, possibly as a no-op the server did not version) or `unchanged` (200 to a conditional create: it
 * existed and nothing was written).
 */
export type EntryOutcome = 'created' | 'updated' | 'unchanged';

export interface EntryResult {
  readonly resourceType: string;
  readonly operation: 'conditional-create' | 'conditional-update';
  readonly outcome: EntryOutcome;
  /** `Observation/123`, from the response's location, when the server gave one. */
  readonly location: string | undefined;
}

function statusCode(status: string | undefined): number | undefined {
  const match = /^\s*(\d{3})/.exec(status ?? '');
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 10);
}

/** `Observation/123` out of `Observation/123/_history/1` or an absolute URL. */
function typeAndId(location: string | undefined): string | undefined {
  const match = /([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?\/?$/.exec(location ?? '');
  return match?.[1];
}

/**
 * Pairs a transaction-response with the request bundle it answers (the spec keeps entries in request order).
 * A response that does not answer entry for entry is a server we cannot trust with idempotency, so it is a
 * permanent error rather than something a retry would fix.
 */
export function readTransactionResponse(request: Bundle, response: unknown): EntryResult[] {
  const requestEntries = request.entry ?? [];
  const body = response as Partial<Bundle> | null;
  const responseEntries = body?.entry ?? [];
  if (
    body?.resourceType !== 'Bundle' ||
    body.type !== 'transaction-response' ||
    responseEntries.length !== requestEntries.length
  ) {
    throw new FhirPermanentError(
      `Unexpected transaction response: expected a transaction-response with ${requestEntries.length} entries`,
      undefined,
    );
  }
  return requestEntries.map((entry, i) => {
    const answer = responseEntries[i]?.response;
    const code = statusCode(answer?.status);
    const operation = entry.request?.method === 'PUT' ? 'conditional-update' : 'conditional-create';
    if (code === undefined || code < 200 || code >= 300) {
      throw new FhirPermanentError(
        `Unexpected transaction response: entry ${i} has status ${answer?.status ?? 'none'}`,
        code,
      );
    }
    const outcome: EntryOutcome =
      code === 201 ? 'created' : operation === 'conditional-update' ? 'updated' : 'unchanged';
    return {
      resourceType: entry.resource?.resourceType ?? 'unknown',
      operation,
      outcome,
      location: typeAndId(answer?.location),
    };
  });
}
