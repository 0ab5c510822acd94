import type { Bundle } from 'fhir/r5.js';
import type { TransformedResource } from '../transformers/transformed-resource.js';
import { buildTransactionBundles, type BundleOptions } from './bundle-builder.js';
import { FhirPermanentError } from './fhir-errors.js';

/** A resource the target refused for good: its type and identifier system, never its values. */
export interface RefusedResource {
  readonly resourceType: string;
  readonly identifierSystem: string;
  /** A JupyterHealth Exchange's reason (see JheRefusalReason); absent for a FHIR server's 422. */
  readonly reason?: string;
}

/**
 * Extra transactions one publish may spend finding the refused resources of refused bundles. Halving a bundle of
 * 100 with one refused resource costs about 14; beyond the budget the refusal fails the publish as before.
 */
export const MAX_ISOLATION_REQUESTS = 32;

/**
 * A 422 (Unprocessable Entity: a profile or business rule) is about content, so it is worth finding which entry
 * caused it. A 400 is a malformed request, our bug for every entry alike, and fails the publish.
 */
export function isContentRefusal(err: unknown): err is FhirPermanentError {
  return err instanceof FhirPermanentError && err.status === 422;
}

/** The resources of a bundle, back from its entries' fullUrls. */
export function itemsOf(
  bundle: Bundle,
  byUrl: ReadonlyMap<string, TransformedResource>,
): TransformedResource[] {
  return (bundle.entry ?? []).flatMap((e) => {
    const item = e.fullUrl === undefined ? undefined : byUrl.get(e.fullUrl);
    return item === undefined ? [] : [item];
  });
}

/**
 * The bundle's resources in about half-sized bundles, keeping groups and referenced Devices together (so the
 * halves are as valid as the whole); a single bundle means it holds one indivisible cluster.
 */
export function halves(items: readonly TransformedResource[], options: BundleOptions): Bundle[] {
  return buildTransactionBundles(items, { ...options, batchSize: Math.max(1, Math.ceil(items.length / 2)) });
}

/** What to report of an indivisible refused cluster: its records; Devices only ride along, unless alone. */
export function refusedOf(items: readonly TransformedResource[]): RefusedResource[] {
  const records = items.filter((i) => i.resource.resourceType !== 'Device');
  return (records.length > 0 ? records : items).map((i) => ({
    resourceType: i.resource.resourceType,
    identifierSystem: i.identifier.system,
  }));
}
