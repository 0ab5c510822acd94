import { Injectable } from '@nestjs/common';
import type { AggregationLevel, NormalizedDevice, NormalizedRecord } from '../common/domain/records.js';
import { AppConfig } from '../config/app-config.js';
import { transformDevice, transformRecords } from '../transformers/fhir-transformer.js';
import { toJheObservations } from '../transformers/omh/jhe-observation.js';
import type { TransformedResource } from '../transformers/transformed-resource.js';
import { FhirConfigurationError } from './fhir-errors.js';
import { FhirPublisher, type PublishResult } from './fhir-publisher.service.js';
import { JhePublisher } from './jhe/jhe-publisher.service.js';

export interface PublishRequest {
  readonly records: readonly NormalizedRecord[];
  /** The link's granularity (provider_links.aggregation_level). */
  readonly aggregation: AggregationLevel;
  /** What the provider reports about the link's devices; referenced devices missing here travel as placeholders. */
  readonly devices?: readonly NormalizedDevice[];
  /** The patient's id at a JupyterHealth Exchange target (ehr_users.jhe_patient_id). */
  readonly jhePatientId?: string | null;
  /** When the data was fetched; becomes Observation.issued. */
  readonly issued?: Date;
}

/**
 * The one call a sync job makes: records in, resources at the configured target (FHIR_TARGET). FHIR gets
 * transaction bundles of conditional writes; a JupyterHealth Exchange gets Open mHealth observations in batches.
 */
@Injectable()
export class RecordPublisher {
  constructor(
    private readonly config: AppConfig,
    private readonly fhir: FhirPublisher,
    private readonly jhe: JhePublisher,
  ) {}

  async publish(request: PublishRequest): Promise<PublishResult> {
    const { identifierBase, target, jheDataSourceId } = this.config.fhir;
    if (target === 'jhe') {
      const patientId = request.jhePatientId;
      if (patientId === undefined || patientId === null || jheDataSourceId === undefined) {
        throw new FhirConfigurationError(
          'The patient has no JupyterHealth Exchange id (ehr_users.jhe_patient_id)',
        );
      }
      return this.jhe.publish(
        request.records.flatMap((r) =>
          toJheObservations(r, { identifierBase, patientId, dataSourceId: jheDataSourceId }),
        ),
      );
    }
    const resources = transformRecords(request.records, {
      identifierBase,
      issued: (request.issued ?? new Date()).toISOString(),
      aggregation: request.aggregation,
    });
    return this.fhir.publish([...resources, ...this.devicesFor(request)]);
  }

  /**
   * Observations reference their Device by its deterministic urn:uuid, so every referenced Device travels in the
   * same bundle: the reported one when known, else a placeholder that never overwrites a device sync's record.
   */
  private devicesFor(request: PublishRequest): TransformedResource[] {
    const known = new Map((request.devices ?? []).map((d) => [`${d.provider}|${d.nativeId}`, d]));
    const wanted = new Map<string, NormalizedDevice>();
    for (const record of request.records) {
      const ref = record.device;
      if (ref !== undefined) {
        const key = `${ref.provider}|${ref.nativeId}`;
        wanted.set(key, known.get(key) ?? placeholder(ref.provider, ref.nativeId));
      }
    }
    const ctx = { identifierBase: this.config.fhir.identifierBase };
    return [...wanted.entries()].map(([key, device]) => ({
      ...transformDevice(device, ctx),
      write: known.has(key) ? undefined : 'create-only',
    }));
  }
}

function placeholder(provider: string, nativeId: string): NormalizedDevice {
  return {
    provider,
    nativeId,
    manufacturer: provider.charAt(0).toUpperCase() + provider.slice(1),
    kind: 'other',
    active: true,
  };
}
