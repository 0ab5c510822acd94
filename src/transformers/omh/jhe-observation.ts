import type { Observation } from 'fhir/r5.js';
import type { NormalizedRecord } from '../../common/domain/records.js';
import { identifierSystem, identity, patientScopedValue } from '../fhir-identifiers.js';
import type { TransformedResource } from '../transformed-resource.js';
import { omhBodies, omhCode, type OmhDataPoint } from './omh-data-point.js';

export const OMH_SYSTEM = 'https://w3id.org/openmhealth';

export interface JheContext {
  /** Base of our identifier systems, e.g. https://open-health-exchange.org. */
  readonly identifierBase: string;
  /** The patient's id at the JupyterHealth Exchange. */
  readonly patientId: string;
  /** The JHE Data Source (Device) the observations are attributed to. */
  readonly dataSourceId: string;
}

/**
 * Wraps a record as JupyterHealth Exchange Observations: one per Open mHealth data point, coded with the OMH
 * schema id, the data point base64-encoded in valueAttachment, subject the JHE patient and device the JHE data
 * source. The identifier is deterministic and patient-scoped, so a replay hits JHE's unique-identifier rule
 * (409) instead of creating a duplicate.
 * @param record - the normalized record
 * @param ctx - JHE ids and identifier base
 */
export function toJheObservations(
  record: NormalizedRecord,
  ctx: JheContext,
): TransformedResource<Observation>[] {
  return omhBodies(record).map(({ schema, body, part }) => {
    // Same identifier scheme as the FHIR target, with its own type segment; the data point's uuid is the
    // identifier's UUIDv5, so the same measurement always carries the same header.uuid.
    const { identifier, fullUrl } = identity(
      identifierSystem(ctx.identifierBase, record.provider, `${record.type}-omh`),
      patientScopedValue(
        record.patient.ehrUserId,
        part === '' ? record.nativeId : `${record.nativeId}:${part}`,
      ),
    );
    const uuid = fullUrl.replace('urn:uuid:', '');
    const dataPoint: OmhDataPoint = {
      header: {
        uuid,
        schema_id: { namespace: 'omh', name: schema.name, version: schema.version },
        source_creation_date_time: record.timing.kind === 'instant' ? record.timing.at : record.timing.end,
        modality: 'sensed',
        external_datasheets: [{ datasheet_type: 'manufacturer', datasheet_reference: record.provider }],
      },
      body,
    };
    const resource: Observation = {
      resourceType: 'Observation',
      status: 'final',
      identifier: [{ ...identifier }],
      code: { coding: [{ system: OMH_SYSTEM, code: omhCode(schema) }] },
      subject: { reference: `Patient/${ctx.patientId}` },
      device: { reference: `Device/${ctx.dataSourceId}` },
      valueAttachment: {
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify(dataPoint), 'utf8').toString('base64'),
      },
    };
    return { fullUrl, resource, identifier };
  });
}
