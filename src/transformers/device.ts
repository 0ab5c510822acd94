import type { CodeableConcept, Device, DeviceAssociation, DeviceProperty } from 'fhir/r5.js';
import type { DeviceRef, NormalizedDevice, PatientRef } from '../common/domain/records.js';
import { patientReference, quantity, resolveIdentifierBase, emit } from './fhir-context.js';
import { deviceAssociationIdentity, deviceIdentity } from './fhir-identifiers.js';
import {
  DEVICE_ASSOCIATION_STATUS,
  DEVICE_ASSOCIATION_STATUS_REASON,
  localCodeSystem,
  MDC_ISO,
  SNOMED,
} from './fhir-terminology.js';
import { fhirDateTime } from './fhir-time.js';
import type { TransformedResource } from './transformed-resource.js';

/** Only the identifier base matters for devices: they carry no issued time and never aggregate. */
export interface DeviceTransformContext {
  readonly identifierBase?: string;
}

// SNOMED CT device types from the providers-and-devices spec. A sleep mat has no code there and none we could
// confirm, and `other` says nothing, so both get a text-only type (sleep monitor) or none.
const DEVICE_TYPES: Record<NormalizedDevice['kind'], { code?: string; text: string } | undefined> = {
  scale: { code: '19892000', text: 'Scale' },
  activity_tracker: { code: '466093008', text: 'Activity tracker' },
  smartwatch: { code: '706767009', text: 'Wearable device' },
  blood_pressure_monitor: { code: '43770009', text: 'Sphygmomanometer' },
  thermometer: { code: '86184003', text: 'Thermometer' },
  sleep_monitor: { text: 'Sleep monitor' },
  other: undefined,
};

function deviceType(kind: NormalizedDevice['kind']): CodeableConcept[] | undefined {
  const type = DEVICE_TYPES[kind];
  if (type === undefined) {
    return undefined;
  }
  return type.code === undefined
    ? [{ text: type.text }]
    : [{ coding: [{ system: SNOMED, code: type.code }], text: type.text }];
}

function properties(device: NormalizedDevice, base: string): DeviceProperty[] {
  const out: DeviceProperty[] = [];
  const battery: CodeableConcept = { coding: [{ system: MDC_ISO, code: '67996' }], text: 'Battery charge' };
  if (device.batteryPercent !== undefined) {
    out.push({ type: battery, valueQuantity: quantity(device.batteryPercent, '%') });
  } else if (device.batteryLevel !== undefined && device.batteryLevel !== '') {
    out.push({ type: battery, valueCodeableConcept: { text: device.batteryLevel } });
  }
  if (device.lastSyncAt !== undefined) {
    // Device.property has no dateTime value type in R5; the instant goes as a string, unchanged.
    out.push({
      type: {
        coding: [{ system: localCodeSystem(base, 'ohe-device-property'), code: 'last-sync' }],
        text: 'Last sync',
      },
      valueString: device.lastSyncAt,
    });
  }
  return out;
}

/**
 * An R5 Device (no R4 `deviceName` or `patient`: the patient link is a DeviceAssociation). One per patient and
 * physical device, identified by the patient and the provider's device id (see deviceIdentity): a scale two
 * patients share is two Devices, so their syncs never write the same resource.
 * @param device - what the provider reports about the device
 * @param patient - whose account reported it
 * @param ctx - the identifier base
 */
export function transformDevice(
  device: NormalizedDevice,
  patient: PatientRef,
  ctx: DeviceTransformContext = {},
): TransformedResource<Device> {
  const base = resolveIdentifierBase(ctx.identifierBase);
  const identity = deviceIdentity(base, device, patient);
  const label = device.model ?? DEVICE_TYPES[device.kind]?.text ?? 'device';
  const resource: Device = {
    resourceType: 'Device',
    meta: { source: `${base}/sources/${device.provider}` },
    identifier: [identity.identifier],
    // "Withings Body+", but never "Fitbit Fitbit Charge 6" when the model already names its maker.
    displayName: label.toLowerCase().startsWith(device.manufacturer.toLowerCase())
      ? label
      : `${device.manufacturer} ${label}`,
    status: device.active ? 'active' : 'inactive',
    manufacturer: device.manufacturer,
  };
  if (device.model !== undefined) {
    resource.name = [{ value: device.model, type: 'user-friendly-name' }];
  }
  if (device.modelNumber !== undefined) {
    resource.modelNumber = device.modelNumber;
  }
  const type = deviceType(device.kind);
  if (type !== undefined) {
    resource.type = type;
  }
  if (device.firmwareVersion !== undefined) {
    resource.version = [{ type: { text: 'Firmware' }, value: device.firmwareVersion }];
  }
  const property = properties(device, base);
  if (property.length > 0) {
    resource.property = property;
  }
  return emit(identity, resource);
}

/** The patient's link to a device: when it started and, once the link is gone, when it ended. */
export interface DeviceLink {
  readonly device: DeviceRef;
  readonly patient: PatientRef;
  /** ISO instant the device was linked (period.start). */
  readonly start: string;
  /** ISO instant the link ended (unlink, revoked access, device gone from the provider's list). */
  readonly end?: string | undefined;
}

/**
 * An R5 DeviceAssociation: status attached (deviceassociation-status), subject the Patient, category home use,
 * period from the link. Its identifier is patient + device, so ending the link updates the same resource: period.end
 * is set and statusReason becomes `disconnected` (the status value set has no "detached"). Relinking later reuses
 * the identifier and starts a new period on the same resource.
 * @param link - device, patient and link period
 * @param ctx - the identifier base
 */
export function transformDeviceAssociation(
  link: DeviceLink,
  ctx: DeviceTransformContext = {},
): TransformedResource<DeviceAssociation> {
  const base = resolveIdentifierBase(ctx.identifierBase);
  const identity = deviceAssociationIdentity(base, link.device, link.patient);
  const resource: DeviceAssociation = {
    resourceType: 'DeviceAssociation',
    meta: { source: `${base}/sources/${link.device.provider}` },
    identifier: [identity.identifier],
    device: { reference: deviceIdentity(base, link.device, link.patient).fullUrl },
    category: [
      {
        coding: [{ system: localCodeSystem(base, 'ohe-device-association-category'), code: 'home-use' }],
        text: 'Home use',
      },
    ],
    status: { coding: [{ system: DEVICE_ASSOCIATION_STATUS, code: 'attached' }] },
    subject: patientReference(link.patient),
    period:
      link.end === undefined
        ? { start: fhirDateTime(link.start, 0) }
        : { start: fhirDateTime(link.start, 0), end: fhirDateTime(link.end, 0) },
  };
  if (link.end !== undefined) {
    resource.statusReason = [
      { coding: [{ system: DEVICE_ASSOCIATION_STATUS_REASON, code: 'disconnected' }] },
    ];
  }
  return emit(identity, resource);
}
