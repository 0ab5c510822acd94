import type { Bundle, Observation } from 'fhir/r5.js';
import type { TransformedResource } from '../../transformers/transformed-resource.js';
import { FhirPermanentError } from '../fhir-errors.js';

/**
 * Why JHE refused an entry. A 403 is missing consent for the entry's scope (its Open mHealth code): the patient
 * may grant it later, so such entries are worth fetching again then. Anything else (unknown patient or data
 * source, invalid payload) is `jhe_rejected`.
 */
export const JHE_REFUSAL_REASONS = ['consent_missing', 'jhe_rejected'] as const;
export type JheRefusalReason = (typeof JHE_REFUSAL_REASONS)[number];

export type JheEntryOutcome = 'created' | 'unchanged' | JheRefusalReason;

export function isJheRefusal(outcome: JheEntryOutcome): outcome is JheRefusalReason {
  return outcome !== 'created' && outcome !== 'unchanged';
}

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
 * Reads a batch-response entry by entry: 2xx is created, 409 (identifier already stored) is an earlier delivery
 * of the same data point, 403 is missing consent, any other status a refusal that retrying cannot fix. JHE
 * answers a batch with 200 and per-entry statuses, so the batch as a whole only fails on a malformed answer.
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
    if (code === 409) {
      return 'unchanged';
    }
    return code === 403 ? 'consent_missing' : 'jhe_rejected';
  });
}
