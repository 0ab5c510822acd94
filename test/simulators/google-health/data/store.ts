import { createHash } from 'node:crypto';
import type { SimClock } from '../../shared/clock.js';
import { typeInfo, type TypeInfo } from './catalog.js';
import { bounds, matches, parseFilter, sortKey, type Filter } from './filter.js';
import { generate, HISTORY_MS } from './generate.js';
import type { Profile } from './profile.js';
import { rfc3339, type WirePoint } from './wire.js';

/** A paired device as `pairedDevices` returns it (research §3); every field is output-only. */
export interface PairedDevice {
  readonly name: string;
  readonly deviceType: 'TRACKER' | 'SCALE';
  readonly deviceVersion: string;
  readonly batteryLevel?: number;
  readonly batteryStatus?: string;
  readonly lastSyncTime?: string;
  readonly macAddress?: string;
  readonly features?: readonly string[];
}

export interface UserDataOptions {
  readonly utcOffsetSeconds?: number;
  /** Replaces the default Charge 6 + Aria Air pair; `[]` models an account with nothing paired. */
  readonly devices?: readonly Omit<PairedDevice, 'name'>[];
}

const TRACKER = { displayName: 'Charge 6', manufacturer: 'Google' };
const SCALE = { displayName: 'Aria Air', manufacturer: 'Google' };
const DEFAULT_DEVICES: readonly Omit<PairedDevice, 'name'>[] = [
  {
    deviceType: 'TRACKER',
    deviceVersion: TRACKER.displayName,
    batteryLevel: 74,
    batteryStatus: 'High',
    macAddress: 'C2:1A:5F:33:9E:01',
    features: ['STEPS', 'HEART_RATE', 'SPO2', 'SLEEP', 'ECG'],
  },
  { deviceType: 'SCALE', deviceVersion: SCALE.displayName, batteryStatus: 'Medium', features: ['WEIGHT'] },
];

/** The health records behind the Data API: generated per user from a seed, plus points tests plant. */
export class HealthData {
  private readonly profiles = new Map<string, Profile>();
  private readonly devices = new Map<string, readonly Omit<PairedDevice, 'name'>[]>();
  private readonly planted = new Map<string, WirePoint[]>();

  constructor(private readonly clock: SimClock) {}

  addUser(healthUserId: string, options: UserDataOptions = {}): void {
    this.profiles.set(healthUserId, {
      healthUserId,
      offsetS: options.utcOffsetSeconds ?? 3600,
      originMs: this.clock.now() - HISTORY_MS,
      tracker: TRACKER,
      scale: SCALE,
    });
    this.devices.set(healthUserId, options.devices ?? DEFAULT_DEVICES);
  }

  profile(healthUserId: string): Profile {
    const p = this.profiles.get(healthUserId);
    if (!p) {
      throw new Error(`unknown Google sandbox user ${healthUserId}`);
    }
    return p;
  }

  /** A point in wire form (`{name?, dataSource?, weight:{…}}`), served from now on whatever the clock says. */
  plant(healthUserId: string, dataType: string, point: WirePoint): void {
    const type = typeInfo(dataType);
    if (type === undefined || type === 'other' || point[type.field] === undefined) {
      throw new Error(
        `addDataPoint: ${dataType} needs a '${type === undefined || type === 'other' ? '?' : type.field}' member`,
      );
    }
    this.profile(healthUserId);
    const key = `${healthUserId}|${dataType}`;
    this.planted.set(key, [...(this.planted.get(key) ?? []), structuredClone(point)]);
  }

  /** Every point of the type matching the filter, newest first (list and reconcile order). */
  query(healthUserId: string, type: TypeInfo, filter: Filter): WirePoint[] {
    const p = this.profile(healthUserId);
    const now = this.clock.now();
    const { from = p.originMs, to = now } = bounds(filter);
    const points = [
      ...generate(p, type, from, to, now),
      ...(this.planted.get(`${healthUserId}|${type.kebab}`) ?? []),
    ].filter((point) => matches(filter, point, type));
    return points
      .map((point) => ({ point, key: sortKey(point, type) }))
      .sort((a, b) => b.key - a.key)
      .map((e) => e.point);
  }

  /** query() by kebab type and filter text, for assertions; throws on what the API would refuse. */
  expected(healthUserId: string, dataType: string, filterText: string): WirePoint[] {
    const type = typeInfo(dataType);
    if (type === undefined || type === 'other') {
      throw new Error(`no simulated data for ${dataType}`);
    }
    const parsed = parseFilter(filterText, type);
    if (!parsed.ok) {
      throw new Error(parsed.message);
    }
    return this.query(healthUserId, type, parsed.filter);
  }

  pairedDevices(healthUserId: string): PairedDevice[] {
    this.profile(healthUserId);
    // Devices sync every quarter hour or so; a stable value keeps repeated listings identical.
    const lastSync = Math.floor(this.clock.now() / 900_000) * 900_000;
    return (this.devices.get(healthUserId) ?? []).map((d) => ({
      name: `users/me/pairedDevices/${deviceId(healthUserId, d.deviceVersion)}`,
      ...d,
      ...(d.lastSyncTime === undefined ? { lastSyncTime: rfc3339(lastSync) } : {}),
    }));
  }
}

function deviceId(healthUserId: string, model: string): string {
  return String(createHash('sha256').update(`${healthUserId}|${model}`).digest().readUInt32BE(0));
}
