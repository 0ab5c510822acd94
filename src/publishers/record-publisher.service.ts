import { Injectable } from '@nestjs/common';
import type {
  AggregationLevel,
  DeviceRef,
  NormalizedDevice,
  NormalizedRecord,
  PatientRef,
} from '../common/domain/records.js';
import { AppConfig } from '../config/app-config.js';
import { identifierSystem } from '../transformers/fhir-identifiers.js';
import {
  transformDevice,
  transformDeviceAssociation,
  transformRecords,
} from '../transformers/fhir-transformer.js';
import { toJheObservations } from '../transformers/omh/jhe-observation.js';
import type { TransformedResource } from '../transformers/transformed-resource.js';
import { FhirConfigurationError, FhirPermanentError } from './fhir-errors.js';
import { FhirClient } from './fhir.client.js';
import { FhirPublisher, type BeforeWrite, type PublishResult } from './fhir-publisher.service.js';
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
  /** Checked before each bundle; a rejection stops the publish there (see BeforeWrite). */
  readonly beforeWrite?: BeforeWrite;
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
    private readonly client: FhirClient,
  ) {}

  /**
   * Ends the patient's open DeviceAssociations for one provider (period.end, statusReason disconnected), as
   * unlinking requires. They are found at the server by subject and our identifier system, so nothing about the
   * devices has to be kept here; a JupyterHealth Exchange has none. Returns how many were ended.
   */
  async endDeviceAssociations(patient: PatientRef, provider: string, endedAt: Date): Promise<number> {
    if (this.config.fhir.target !== 'fhir') {
      return 0;
    }
    const system = identifierSystem(this.config.fhir.identifierBase, provider, 'device-association');
    const found = await this.client.searchAll('DeviceAssociation', {
      subject: `Patient/${patient.fhirPatientId}`,
    });
    const ctx = { identifierBase: this.config.fhir.identifierBase };
    const ended = found.flatMap((da) => {
      const identifier = (da['identifier'] as Array<{ system?: string; value?: string }> | undefined)?.find(
        (i) => i.system === system,
      );
      const period = da['period'] as { start?: string; end?: string } | undefined;
      if (identifier?.value === undefined || period?.start === undefined || period.end !== undefined) {
        return [];
      }
      // The value is `<ehr user id>:<device id>`; the user part never contains a raw ':' (it is percent-encoded).
      const device = { provider, nativeId: identifier.value.slice(identifier.value.indexOf(':') + 1) };
      const link = {
        device,
        patient,
        start: new Date(period.start).toISOString(),
        end: endedAt.toISOString(),
      };
      return [
        { ...transformDeviceAssociation(link, ctx), write: 'upsert' as const },
        this.placeholderDevice(device, patient),
      ];
    });
    if (ended.length > 0) {
      await this.fhir.publish(ended);
    }
    return ended.length / 2;
  }

  /**
   * A device sync: every reported Device upserted (battery, firmware and last sync change), and a
   * DeviceAssociation per device from the link's start, created once. Both are the patient's own (see
   * deviceIdentity), so patients sharing a device sync at once without touching each other's resources.
   * A JupyterHealth Exchange keeps no devices.
   */
  async publishDevices(
    patient: PatientRef,
    devices: readonly NormalizedDevice[],
    linkedAt: Date,
    beforeWrite?: BeforeWrite,
  ): Promise<{ devices: number; associationsCreated: number }> {
    if (this.config.fhir.target !== 'fhir' || devices.length === 0) {
      return { devices: devices.length, associationsCreated: 0 };
    }
    const ctx = { identifierBase: this.config.fhir.identifierBase };
    const resources = devices.flatMap((device) => [
      { ...transformDevice(device, patient, ctx), write: 'upsert' as const },
      transformDeviceAssociation(
        {
          device: { provider: device.provider, nativeId: device.nativeId },
          patient,
          start: linkedAt.toISOString(),
        },
        ctx,
      ),
    ]);
    const result = await this.fhir.publish(resources, beforeWrite);
    if (result.rejected > 0) {
      // A device sync is a handful of resources the caller asked for by name: a refused one is a failed sync.
      throw new FhirPermanentError(`FHIR server refused ${result.rejected} device resource(s)`, 422);
    }
    return { devices: devices.length, associationsCreated: result.createdByType?.['DeviceAssociation'] ?? 0 };
  }

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
        request.beforeWrite,
      );
    }
    const resources = transformRecords(request.records, {
      identifierBase,
      issued: (request.issued ?? new Date()).toISOString(),
      aggregation: request.aggregation,
    });
    return this.fhir.publish([...resources, ...this.devicesFor(request)], request.beforeWrite);
  }

  /**
   * Observations reference their patient's Device by its deterministic urn:uuid, so every referenced Device
   * travels in the same bundle: the reported one when known, else a placeholder that never overwrites a device
   * sync's record. Built once per patient and device, however many records name it.
   */
  private devicesFor(request: PublishRequest): TransformedResource[] {
    const known = new Map((request.devices ?? []).map((d) => [`${d.provider}|${d.nativeId}`, d]));
    const ctx = { identifierBase: this.config.fhir.identifierBase };
    const wanted = new Map<string, TransformedResource>();
    for (const { device: ref, patient } of request.records) {
      if (ref === undefined) {
        continue;
      }
      const key = `${ref.provider}|${ref.nativeId}`;
      // A NUL never occurs in a provider name, so the patient part of the key ends at the last one.
      const owned = `${patient.ehrUserId}\u0000${key}`;
      if (!wanted.has(owned)) {
        const device = known.get(key);
        wanted.set(
          owned,
          device === undefined ? this.placeholderDevice(ref, patient) : transformDevice(device, patient, ctx),
        );
      }
    }
    return [...wanted.values()];
  }

  private placeholderDevice(ref: DeviceRef, patient: PatientRef): TransformedResource {
    const device = placeholder(ref.provider, ref.nativeId);
    return {
      ...transformDevice(device, patient, { identifierBase: this.config.fhir.identifierBase }),
      write: 'create-only',
    };
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
