import type { DataType } from '../../common/domain/data-type.js';
import type { TimeWindow } from '../../common/domain/notification.js';
import type { DeviceRef, NormalizedRecord, PatientRef } from '../../common/domain/records.js';
import { isRecord } from '../auth/http.js';
import { iso, offsetMinutes } from './withings-time.js';

/** getmeas meastypes (research A4) and the data types they feed. */
export const MEASTYPE = {
  weight: 1,
  fatRatio: 6,
  diastolic: 9,
  systolic: 10,
  pulse: 11,
  temperature: 12,
  spo2: 54,
  bodyTemperature: 71,
  skinTemperature: 73,
} as const;

const TYPES_FOR: Partial<Record<DataType, readonly number[]>> = {
  weight: [MEASTYPE.weight],
  body_fat: [MEASTYPE.fatRatio],
  // Pulse is asked with the pressures so a BP cuff's pulse is recognised as part of its group.
  blood_pressure: [MEASTYPE.diastolic, MEASTYPE.systolic, MEASTYPE.pulse],
  heart_rate: [MEASTYPE.pulse, MEASTYPE.diastolic, MEASTYPE.systolic],
  body_temperature: [MEASTYPE.temperature, MEASTYPE.bodyTemperature, MEASTYPE.skinTemperature],
  spo2: [MEASTYPE.spo2],
};

/** The meastypes one getmeas call must ask for to serve these data types (empty: getmeas not needed). */
export function meastypesFor(wanted: ReadonlySet<DataType>): number[] {
  const types = new Set<number>();
  for (const t of wanted) {
    for (const m of TYPES_FOR[t] ?? []) {
      types.add(m);
    }
  }
  return [...types].sort((a, b) => a - b);
}

/** Withings sends `value` and a power-of-ten `unit`: 118003, -3 → 118.003. Dividing keeps decimals exact. */
export function decodeValue(value: number, unit: number): number {
  return unit < 0 ? value / 10 ** -unit : value * 10 ** unit;
}

export interface RecordScope {
  readonly patient: PatientRef;
  readonly wanted: ReadonlySet<DataType>;
  readonly window: TimeWindow;
}

export const inWindow = (ms: number, window: TimeWindow): boolean =>
  ms >= window.start.getTime() && ms < window.end.getTime();

export function deviceRef(deviceid: unknown): DeviceRef | undefined {
  return typeof deviceid === 'string' && deviceid !== ''
    ? { provider: 'withings', nativeId: deviceid }
    : undefined;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * One getmeas group → records. Systolic, diastolic and pulse of one group are one blood pressure reading (the
 * pulse goes with it, not into a separate heart rate); a pulse without pressures (a scale) is a heart rate.
 * Objectives (category 2) are not measurements and are skipped.
 */
export function measureGroupRecords(
  group: unknown,
  timezone: string | undefined,
  scope: RecordScope,
): NormalizedRecord[] {
  if (!isRecord(group) || num(group['category']) !== 1 || !Array.isArray(group['measures'])) {
    return [];
  }
  const grpid = num(group['grpid']);
  const date = num(group['date']);
  if (grpid === undefined || date === undefined || !inWindow(date * 1000, scope.window)) {
    return [];
  }
  const values = new Map<number, number>();
  for (const m of group['measures']) {
    const value = isRecord(m) ? num(m['value']) : undefined;
    const type = isRecord(m) ? num(m['type']) : undefined;
    if (isRecord(m) && value !== undefined && type !== undefined) {
      values.set(type, decodeValue(value, num(m['unit']) ?? 0));
    }
  }
  const at = date * 1000;
  const device = deviceRef(group['deviceid']);
  const base = (type: number | 'bp') => ({
    provider: 'withings',
    patient: scope.patient,
    nativeId: `${grpid}:${type}`,
    timing: { kind: 'instant', at: iso(at), offsetMinutes: offsetMinutes(timezone, at) } as const,
    ...(device ? { device } : {}),
  });
  const out: NormalizedRecord[] = [];
  const want = (t: DataType): boolean => scope.wanted.has(t);
  const systolic = values.get(MEASTYPE.systolic);
  const diastolic = values.get(MEASTYPE.diastolic);
  const pulse = values.get(MEASTYPE.pulse);
  const isBp = systolic !== undefined && diastolic !== undefined;
  if (isBp && want('blood_pressure')) {
    out.push({
      ...base('bp'),
      type: 'blood_pressure',
      systolicMmHg: systolic,
      diastolicMmHg: diastolic,
      ...(pulse === undefined ? {} : { pulseBpm: pulse }),
    });
  }
  if (!isBp && pulse !== undefined && want('heart_rate')) {
    out.push({ ...base(MEASTYPE.pulse), type: 'heart_rate', bpm: pulse });
  }
  const weight = values.get(MEASTYPE.weight);
  if (weight !== undefined && want('weight')) {
    out.push({ ...base(MEASTYPE.weight), type: 'weight', kg: weight });
  }
  const fat = values.get(MEASTYPE.fatRatio);
  if (fat !== undefined && want('body_fat')) {
    out.push({ ...base(MEASTYPE.fatRatio), type: 'body_fat', percent: fat });
  }
  const spo2 = values.get(MEASTYPE.spo2);
  if (spo2 !== undefined && want('spo2')) {
    out.push({ ...base(MEASTYPE.spo2), type: 'spo2', percent: spo2 });
  }
  if (want('body_temperature')) {
    for (const type of [MEASTYPE.temperature, MEASTYPE.bodyTemperature, MEASTYPE.skinTemperature]) {
      const celsius = values.get(type);
      if (celsius !== undefined) {
        const site = type === MEASTYPE.skinTemperature ? 'skin' : 'body';
        out.push({ ...base(type), type: 'body_temperature', celsius, site });
      }
    }
  }
  return out;
}
