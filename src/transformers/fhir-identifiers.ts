import { hash } from 'node:crypto';
import type { DeviceRef, PatientRef } from '../common/domain/records.js';
import { flat } from './flat-string.js';

/**
 * Deterministic business identifiers and fullUrls.
 *
 * - system: `<identifierBase>/fhir/identifier/<provider>/<type>`, one per provider and data type; derived
 *   resources get their own type segment (`ecg-waveform`, `rr_intervals-heart_rate`, `heart_rate-hourly`, ...).
 * - value: `<ehrUserId>:<local id>`, readable and scoped to the patient, so two patients never collide. Any `%` or
 *   `:` inside the ehrUserId is percent-encoded so the first `:` always ends it: otherwise user `a:b` with id `c`
 *   and user `a` with id `b:c` would share a value. Ordinary ids (no `%` or `:`) appear unchanged.
 * - fullUrl: `urn:uuid:` + UUIDv5(`system|value`) in {@link OHE_FHIR_NAMESPACE}.
 * Devices are patient-scoped too: a FHIR Device is one patient's use of one physical device (see deviceIdentity).
 */
export const OHE_FHIR_NAMESPACE = '4f240032-5285-4a69-863a-874bce098bc9';

// Namespace bytes followed by room for the name: hashing a view of one buffer avoids two allocations per id.
const scratch = Buffer.alloc(4096);
const NAMESPACE_LENGTH = scratch.write(OHE_FHIR_NAMESPACE.replaceAll('-', ''), 'hex');

export interface ResourceIdentity {
  /** The business identifier, placed both in the resource and in its TransformedResource. */
  readonly identifier: { system: string; value: string };
  readonly fullUrl: string;
}

/**
 * RFC 4122 UUIDv5 of `name` in our namespace. node:crypto's SHA-1 rather than the `uuid` package: the package
 * hashes in JavaScript (about 7 µs per id against 2 µs on our 2-core dev machine), most of the per-record
 * budget. The spec checks that both give the same UUIDs.
 * @param name - the name to hash (UTF-8)
 */
export function uuidV5(name: string): string {
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
  const fits = name.length * 3 <= scratch.length - NAMESPACE_LENGTH;
  const input = fits
    ? scratch.subarray(0, NAMESPACE_LENGTH + scratch.write(name, NAMESPACE_LENGTH, 'utf8'))
    : Buffer.concat([scratch.subarray(0, NAMESPACE_LENGTH), Buffer.from(name, 'utf8')]);
  const hex = hash('sha1', input, 'hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return flat(
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`,
  );
}

/**
 * @param identifierBase - the deployment's identifier base, without a trailing slash
 * @param provider - provider type, e.g. `withings`
 * @param type - data type or derived-resource segment
 */
export function identifierSystem(identifierBase: string, provider: string, type: string): string {
  return flat(`${identifierBase}/fhir/identifier/${provider}/${type}`);
}

/**
 * @param ehrUserId - the EHR's user id
 * @param localId - the provider's id for the measurement, or our own key for derived resources
 */
export function patientScopedValue(ehrUserId: string, localId: string): string {
  const user = /[%:]/.test(ehrUserId) ? ehrUserId.replaceAll('%', '%25').replaceAll(':', '%3A') : ehrUserId;
  return flat(`${user}:${localId}`);
}

/**
 * @param system - identifier system
 * @param value - identifier value
 */
export function identity(system: string, value: string): ResourceIdentity {
  return { identifier: { system, value }, fullUrl: flat(`urn:uuid:${uuidV5(`${system}|${value}`)}`) };
}

/**
 * The identity of a record-derived resource.
 * @param identifierBase - the deployment's identifier base
 * @param provider - provider type
 * @param type - data type or derived-resource segment
 * @param patient - whose data it is
 * @param localId - the measurement's id within that patient's data
 */
export function recordIdentity(
  identifierBase: string,
  provider: string,
  type: string,
  patient: PatientRef,
  localId: string,
): ResourceIdentity {
  return identity(
    identifierSystem(identifierBase, provider, type),
    patientScopedValue(patient.ehrUserId, localId),
  );
}

/**
 * One Device per patient and physical device, value `<ehrUserId>:<provider device id>`. Two patients weighing
 * on one scale then write nothing in common: a shared Device would be conditionally created by both, and
 * conditional creates race on real servers (two copies, then 412 on every later write), while the device
 * syncs of one link are already serialized (LinkLock). It also keeps each account's battery and last-sync
 * readings apart, and does not depend on Withings reporting the same deviceid in every account.
 * @param identifierBase - the deployment's identifier base
 * @param device - the provider's device
 * @param patient - whose use of the device it is
 */
export function deviceIdentity(
  identifierBase: string,
  device: DeviceRef,
  patient: PatientRef,
): ResourceIdentity {
  return recordIdentity(identifierBase, device.provider, 'device', patient, device.nativeId);
}

/**
 * @param identifierBase - the deployment's identifier base
 * @param device - the provider's device
 * @param patient - the patient the device is associated with
 */
export function deviceAssociationIdentity(
  identifierBase: string,
  device: DeviceRef,
  patient: PatientRef,
): ResourceIdentity {
  return recordIdentity(identifierBase, device.provider, 'device-association', patient, device.nativeId);
}
