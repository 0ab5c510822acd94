import { hash } from 'node:crypto';
import type { DeviceRef, PatientRef } from '../../common/domain/records.js';
import { isRecord } from '../auth/http.js';
import { FITBIT } from './fitbit.descriptor.js';

type Wire = Record<string, unknown>;
const obj = (v: unknown): Wire => (isRecord(v) ? v : {});

/**
 * The device a data point came from: the paired device its displayName names, else an unpaired id. A data
 * source carries no device id, and a displayName is a model name ("Pixel Watch 2") that every wearer of that
 * model shares, so it is never an id on its own.
 */
export function deviceOf(
  dataSource: unknown,
  patient: PatientRef,
  pairedDeviceId: (displayName: string) => string | undefined,
): DeviceRef | undefined {
  const source = obj(dataSource);
  const device = obj(source['device']);
  const displayName = device['displayName'];
  if (typeof displayName !== 'string' || displayName === '') {
    return undefined;
  }
  const nativeId = pairedDeviceId(displayName) ?? unpairedDeviceId(patient, source, device);
  return { provider: FITBIT.type, nativeId };
}

/**
 * `unpaired-` + 128 bits of SHA-256 over the patient and everything the data source says about the device
 * (platform, manufacturer, form factor, displayName): stable across fetches, per patient, and apart for two
 * models of one name on different platforms. Two identical watches of one patient on one platform stay one
 * device: nothing on the wire tells them apart. Once the device is paired (settings scope granted), its data
 * moves to the pairedDevices id instead.
 */
function unpairedDeviceId(patient: PatientRef, source: Wire, device: Wire): string {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const parts = [patient.ehrUserId, source['platform'], device['manufacturer'], device['formFactor']];
  const key = JSON.stringify([...parts.map(text), text(device['displayName'])]);
  return `unpaired-${hash('sha256', key, 'hex').slice(0, 32)}`;
}
