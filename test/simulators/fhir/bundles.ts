import { mapStrings, parseEntry, patchBody, responseEntry, type ParsedEntry } from './bundle-entries.js';
import { handleInteraction, type InteractionRequest } from './interactions.js';
import { badRequest, failureResult, isFhirJson, isObject, type FhirResult } from './outcomes.js';
import type { FhirContext } from './resource-ops.js';
import { processTransaction } from './transaction.js';

function toInteraction(entry: ParsedEntry, prefer: string | undefined): InteractionRequest {
  return {
    method: entry.method === 'HEAD' ? 'GET' : entry.method,
    path: entry.path,
    query: entry.query,
    headers: { 'if-none-exist': entry.ifNoneExist, 'if-match': entry.ifMatch, prefer },
    body: entry.method === 'PATCH' ? patchBody(entry) : entry.resource,
  };
}

/** Batch entries are independent, so one referring to another's placeholder fullUrl is an error (http.html#brules). */
async function rejectCrossReferences(entry: ParsedEntry, placeholders: ReadonlySet<string>): Promise<void> {
  await mapStrings(entry.resource, (value, key) => {
    if (key === 'reference' && placeholders.has(value)) {
      return Promise.reject(
        badRequest(`Batch entries cannot reference each other ('${value}'); use a transaction`),
      );
    }
    return Promise.resolve(value);
  });
}

/** A FHIR batch: every entry on its own, answered 200 with one status per entry, failures included. */
async function processBatch(
  ctx: FhirContext,
  rawEntries: readonly unknown[],
  prefer: string | undefined,
): Promise<FhirResult> {
  const placeholders = new Set(
    rawEntries.flatMap((raw) => {
      const fullUrl = isObject(raw) ? raw['fullUrl'] : undefined;
      return typeof fullUrl === 'string' && fullUrl.startsWith('urn:') ? [fullUrl] : [];
    }),
  );
  const includeResource = !/return=minimal/.test(prefer ?? '');
  const entry = [];
  for (const [index, raw] of rawEntries.entries()) {
    let result: FhirResult;
    try {
      const parsed = parseEntry(ctx, raw, index);
      await rejectCrossReferences(parsed, placeholders);
      result = await handleInteraction(ctx, toInteraction(parsed, prefer));
    } catch (err) {
      result = failureResult(err);
    }
    entry.push(responseEntry(ctx, result, includeResource));
  }
  return { status: 200, body: { resourceType: 'Bundle', type: 'batch-response', entry } };
}

/** POST [base] with a transaction or batch Bundle; Medplum's own processBatch is bypassed (see README.md). */
export async function processBundle(
  ctx: FhirContext,
  body: unknown,
  prefer: string | undefined,
): Promise<FhirResult> {
  if (!isFhirJson(body) || body.resourceType !== 'Bundle') {
    throw badRequest('POST to the base takes a transaction or batch Bundle');
  }
  const entries = body['entry'] ?? [];
  if (!Array.isArray(entries)) {
    throw badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  }
  switch (body['type']) {
    case 'transaction':
      return processTransaction(ctx, entries, prefer);
    case 'batch':
      return processBatch(ctx, entries, prefer);
    default:
      throw badRequest(`Bundle.type must be transaction or batch, got '${String(body['type'])}'`, [
        'Bundle.type',
      ]);
  }
}
