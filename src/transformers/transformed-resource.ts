import type { DeviceAssociation, DiagnosticReport, Device, Identifier, Observation } from 'fhir/r5.js';

export type PublishableResource = Observation | DiagnosticReport | Device | DeviceAssociation;

/**
 * A FHIR resource ready for a transaction bundle. `fullUrl` is a deterministic `urn:uuid:` derived from the
 * business identifier, so resources that reference each other (an ECG report and its observations, an
 * observation and its device) agree on references without any server id, and a replay yields the same bundle.
 */
export interface TransformedResource<R extends PublishableResource = PublishableResource> {
  readonly fullUrl: string;
  readonly resource: R;
  /** The business identifier the publisher makes the write conditional on. */
  readonly identifier: Required<Pick<Identifier, 'system' | 'value'>>;
  /**
   * Resources that must be written in the same transaction as this one (e.g. the waveform and heart-rate
   * observations of an ECG report), by fullUrl.
   */
  readonly group?: string;
  /**
   * How the publisher writes it when that is not the deployment's default: `create-only` never touches an
   * existing resource (placeholders), `upsert` replaces it (a device sync's Device, an ended DeviceAssociation).
   */
  readonly write?: 'create-only' | 'upsert';
}
