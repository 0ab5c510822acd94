import type { Observation } from 'fhir/r5.js';
import { v5 as uuidv5 } from 'uuid';
import type { NormalizedRecord } from '../../common/domain/records.js';
import type { TransformedResource } from '../transformed-resource.js';
import { omhBodies, omhCode, type OmhDataPoint } from './omh-data-point.js';

export const OMH_SYSTEM = 'https://w3id.org/openmhealth';
// Fixed namespace for the data points' UUIDv5: the same measurement always gets the same header.uuid.
const OMH_NAMESPACE = '4f0c3a9e-6d7b-5c1e-9a2f-0b8d7e6c5a41';

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
    const system = `${ctx.identifierBase}/fhir/identifier/${record.provider}/${record.type}-omh`;
    const value = `${record.patient.ehrUserId}:${record.nativeId}${part === '' ? '' : `:${part}`}`;
    const uuid = uuidv5(`${system}|${value}`, OMH_NAMESPACE);
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
      identifier: [{ system, value }],
      code: { coding: [{ system: OMH_SYSTEM, code: omhCode(schema) }] },
      subject: { reference: `Patient/${ctx.patientId}` },
      device: { reference: `Device/${ctx.dataSourceId}` },
      valueAttachment: {
        contentType: 'application/json',
        data: Buffer.from(JSON.stringify(dataPoint), 'utf8').toString('base64'),
      },
    };
    return { fullUrl: `urn:uuid:${uuid}`, resource, identifier: { system, value } };
  });
}
