import type { Bundle, Observation } from 'fhir/r5.js';
import type { TransformedResource } from '../../transformers/transformed-resource.js';
import { FhirPermanentError } from '../fhir-errors.js';

export type JheEntryOutcome = 'created' | 'unchanged' | 'rejected';

/**
 * Batch bundles of plain POSTs, at most `batchSize` entries each. JupyterHealth Exchange accepts neither
 * transactions nor conditional writes; idempotency comes from its unique-identifier rule instead (a replayed
 * entry answers 409), so every entry carries its deterministic identifier.
 * @param resources - JHE-wrapped Observations
 * @param batchSize - FHIR_BATCH_SIZE
 */
export function buildJheBatches(
  resources: readonly TransformedResource<Observation>[],
  batchSize: number,
): Bundle[] {
  const bundles: Bundle[] = [];
  for (let i = 0; i < resources.length; i += batchSize) {
    bundles.push({
      resourceType: 'Bundle',
      type: 'batch',
      entry: resources.slice(i, i + batchSize).map((r) => ({
        fullUrl: r.fullUrl,
        resource: r.resource,
        request: { method: 'POST', url: 'Observation' },
      })),
    });
  }
  return bundles;
}

/**
 * Reads a batch-response entry by entry: 201 is created, 409 (identifier already stored) is an earlier delivery
 * of the same data point, any other status is a refusal that retrying cannot fix (missing consent, unknown
 * patient or data source, invalid payload).
 * @param request - the batch that was sent
 * @param response - what the server answered
 */
export function readJheBatchResponse(request: Bundle, response: unknown): JheEntryOutcome[] {
  const sent = request.entry ?? [];
  const body = response as Partial<Bundle> | null;
  const answers = body?.entry ?? [];
  if (body?.resourceType !== 'Bundle' || body.type !== 'batch-response' || answers.length !== sent.length) {
    throw new FhirPermanentError(
      `Unexpected batch response: expected a batch-response with ${sent.length} entries`,
      undefined,
    );
  }
  return answers.map((answer) => {
    const code = Number.parseInt(/^\s*(\d{3})/.exec(answer.response?.status ?? '')?.[1] ?? '0', 10);
    if (code >= 200 && code < 300) {
      return 'created';
    }
    return code === 409 ? 'unchanged' : 'rejected';
  });
}
