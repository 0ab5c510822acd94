import type { Observation } from 'fhir/r5.js';
import type { NormalizedRecord } from '../common/domain/records.js';
import { emit, quantity, type TransformSession } from './fhir-context.js';
import { CODES } from './fhir-terminology.js';
import type { TransformedResource } from './transformed-resource.js';

/**
 * A heart-rate Observation that travels with another resource (RR intervals, BP pulse, ECG), timed like its
 * record, with its own identifier type `<record type>-heart_rate` so it never collides with a measured heart rate.
 * @param session - the transform session
 * @param record - the record the heart rate came with
 * @param bpm - beats per minute
 * @param group - fullUrl of the resource it is published with
 */
export function companionHeartRate(
  session: TransformSession,
  record: NormalizedRecord,
  bpm: number,
  group: string | undefined,
): TransformedResource<Observation> {
  const { identity, resource } = session.recordObservation(
    record,
    `${record.type}-heart_rate`,
    'vital-signs',
    CODES.heartRate,
  );
  resource.valueQuantity = quantity(bpm, '/min');
  return emit(identity, resource, group);
}
