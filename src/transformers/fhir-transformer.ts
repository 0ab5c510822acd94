import type { NormalizedRecord } from '../common/domain/records.js';
import { TransformSession, type FhirTransformContext } from './fhir-context.js';
import { HourlyAggregator } from './hourly-aggregation.js';
import { recordResources } from './record-observations.js';
import type { TransformedResource } from './transformed-resource.js';

export { DEFAULT_IDENTIFIER_BASE, type FhirTransformContext } from './fhir-context.js';
export { transformDevice, transformDeviceAssociation, type DeviceLink } from './device.js';

/**
 * NormalizedRecords to FHIR R5 resources ready for transaction bundles. Pure and deterministic: the same records
 * and context always yield the same resources, identifiers and fullUrls, in the same order (records in input
 * order, then any hourly aggregates in the order their hours were first seen). Resources share frozen
 * terminology and reference objects; everything else in them is their own.
 *
 * HOURLY: an aggregate covers the records of its hour that are in this call, and a later call for the same hour
 * replaces it (same identifier). So a caller must pass every record of an hour in one call, never split an hour
 * across pages or jobs, and re-read whole hours when it syncs again.
 *
 * Observations reference their patient's Device (one per patient and device) by its deterministic `urn:uuid:`
 * fullUrl, so a bundle that carries them must also carry that Device (see transformDevice), or the publisher
 * must rewrite the reference.
 * @param records - one job's records, any providers, patients and data types
 * @param ctx - identifier base, issued instant and aggregation level
 */
export function transformRecords(
  records: readonly NormalizedRecord[],
  ctx: FhirTransformContext,
): TransformedResource[] {
  const session = new TransformSession(ctx);
  const hourly = ctx.aggregation === 'HOURLY' ? new HourlyAggregator(session) : undefined;
  const out: TransformedResource[] = [];
  for (const record of records) {
    if (hourly?.add(record) === true) {
      continue;
    }
    for (const resource of recordResources(record, session)) {
      out.push(resource);
    }
  }
  if (hourly !== undefined) {
    for (const resource of hourly.results()) {
      out.push(resource);
    }
  }
  return out;
}
