import type { EcgClassification, NormalizedDevice, NormalizedRecord } from '../../common/domain/records.js';
import { isRecord } from '../auth/http.js';
import { deviceRef, inWindow, type RecordScope } from './withings-measures.js';
import { DAY_MS, iso, localMidnight, offsetMinutes } from './withings-time.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** Seconds → minutes, kept to two decimals. */
const minutes = (s: number): number => Math.round((s / 60) * 100) / 100;

function base(scope: RecordScope, nativeId: string, deviceid: unknown) {
  const device = deviceRef(deviceid);
  return { provider: 'withings', patient: scope.patient, nativeId, ...(device ? { device } : {}) };
}

const instant = (ms: number, timezone: string | undefined) =>
  ({ kind: 'instant', at: iso(ms), offsetMinutes: offsetMinutes(timezone, ms) }) as const;

const period = (startMs: number, endMs: number, timezone: string | undefined) =>
  ({
    kind: 'period',
    start: iso(startMs),
    end: iso(endMs),
    offsetMinutes: offsetMinutes(timezone, startMs),
  }) as const;

/** intraday data_fields needed for the wanted data types (research A5). */
export function intradayFieldsFor(wanted: ReadonlySet<string>): string[] {
  const fields: string[] = [];
  if (wanted.has('heart_rate')) {
    fields.push('heart_rate');
  }
  if (wanted.has('steps')) {
    fields.push('steps', 'duration');
  }
  if (wanted.has('spo2')) {
    fields.push('spo2_auto');
  }
  if (wanted.has('hrv')) {
    fields.push('rmssd', 'sdnn1');
  }
  return fields;
}

/**
 * getintradayactivity `series` (an object keyed by epoch seconds; sparse entries) → records. Intraday entries
 * carry no timezone; `zoneOf` resolves one from the entry's deviceid.
 */
export function intradayRecords(
  series: unknown,
  scope: RecordScope,
  zoneOf: (deviceid: string | undefined) => string | undefined,
): NormalizedRecord[] {
  if (!isRecord(series)) {
    return [];
  }
  const out: NormalizedRecord[] = [];
  const keys = Object.keys(series).filter((k) => /^\d+$/.test(k));
  for (const key of keys.sort((a, b) => Number(a) - Number(b))) {
    const entry = series[key];
    const ms = Number(key) * 1000;
    if (!isRecord(entry) || !inWindow(ms, scope.window)) {
      continue;
    }
    const tz = zoneOf(str(entry['deviceid']));
    const at = iso(ms);
    const rec = (series: string) => base(scope, `${series}:${at}`, entry['deviceid']);
    const hr = num(entry['heart_rate']);
    if (hr !== undefined && hr > 0 && scope.wanted.has('heart_rate')) {
      out.push({ ...rec('intraday-hr'), type: 'heart_rate', bpm: hr, timing: instant(ms, tz) });
    }
    const steps = num(entry['steps']);
    if (steps !== undefined && scope.wanted.has('steps')) {
      const duration = num(entry['duration']) ?? 60;
      out.push({
        ...rec('intraday-steps'),
        type: 'steps',
        count: steps,
        timing: period(ms, ms + duration * 1000, tz),
      });
    }
    const spo2 = num(entry['spo2_auto']);
    if (spo2 !== undefined && spo2 > 0 && scope.wanted.has('spo2')) {
      out.push({ ...rec('intraday-spo2'), type: 'spo2', percent: spo2, timing: instant(ms, tz) });
    }
    if (scope.wanted.has('hrv')) {
      for (const [field, metric] of [
        ['rmssd', 'rmssd'],
        ['sdnn1', 'sdnn'],
      ] as const) {
        const value = num(entry[field]);
        if (value !== undefined && value > 0) {
          out.push({ ...rec(`intraday-${metric}`), type: 'hrv', metric, ms: value, timing: instant(ms, tz) });
        }
      }
    }
  }
  return out;
}

/**
 * getactivity days → daily step totals over the 24 h starting at local midnight of `date` in the day's own
 * timezone. Days overlapping the window are kept, so a notification during the day refreshes that day's total.
 */
export function activityRecords(activities: readonly unknown[], scope: RecordScope): NormalizedRecord[] {
  const out: NormalizedRecord[] = [];
  for (const a of activities) {
    const date = isRecord(a) ? str(a['date']) : undefined;
    const steps = isRecord(a) ? num(a['steps']) : undefined;
    if (!isRecord(a) || date === undefined || steps === undefined) {
      continue;
    }
    const tz = str(a['timezone']);
    const start = localMidnight(date, tz);
    if (
      start === undefined ||
      start >= scope.window.end.getTime() ||
      start + DAY_MS <= scope.window.start.getTime()
    ) {
      continue;
    }
    out.push({
      ...base(scope, `activity:${date}`, a['deviceid']),
      type: 'steps',
      count: steps,
      timing: period(start, start + DAY_MS, tz),
    });
  }
  return out;
}

const CLASSIFICATION: Readonly<Record<number, EcgClassification>> = {
  0: 'sinus_rhythm',
  1: 'atrial_fibrillation',
  2: 'inconclusive',
};

/** A `heart list` entry plus its `heart get` body → one ECG with every sample (µV, single lead I). */
export function ecgRecord(entry: unknown, signal: unknown, scope: RecordScope): NormalizedRecord | undefined {
  if (!isRecord(entry) || !isRecord(signal) || !isRecord(entry['ecg']) || !Array.isArray(signal['signal'])) {
    return undefined;
  }
  const signalid = num(entry['ecg']['signalid']);
  const timestamp = num(entry['timestamp']);
  const hz = num(signal['sampling_frequency']);
  if (signalid === undefined || timestamp === undefined || hz === undefined || hz <= 0) {
    return undefined;
  }
  if (!inWindow(timestamp * 1000, scope.window)) {
    return undefined;
  }
  const samples = signal['signal'].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const afib = num(entry['ecg']['afib']);
  // WOAS types heart_rate as an integer; a newer doc copy shows {value,...}: accept both (research A6).
  const rawHr = entry['heart_rate'] ?? signal['heart_rate'];
  const hr = num(rawHr) ?? (isRecord(rawHr) ? num(rawHr['value']) : undefined);
  return {
    ...base(scope, String(signalid), entry['deviceid']),
    type: 'ecg',
    timing: instant(timestamp * 1000, str(entry['timezone'])),
    samplingFrequencyHz: hz,
    samples,
    factor: 1,
    unit: 'uV',
    lead: 'I',
    classification: (afib === undefined ? undefined : CLASSIFICATION[afib]) ?? 'unclassified',
    ...(hr !== undefined && hr > 0 ? { heartRateBpm: hr } : {}),
  };
}

/** getsummary series → sleep sessions (period = in bed) with stage minutes; sessions overlapping the window. */
export function sleepRecords(series: readonly unknown[], scope: RecordScope): NormalizedRecord[] {
  const out: NormalizedRecord[] = [];
  for (const s of series) {
    const start = isRecord(s) ? num(s['startdate']) : undefined;
    const end = isRecord(s) ? num(s['enddate']) : undefined;
    if (!isRecord(s) || start === undefined || end === undefined || end <= start) {
      continue;
    }
    if (start * 1000 >= scope.window.end.getTime() || end * 1000 <= scope.window.start.getTime()) {
      continue;
    }
    const data = isRecord(s['data']) ? s['data'] : {};
    const [deep, light, rem, awake] = [
      'deepsleepduration',
      'lightsleepduration',
      'remsleepduration',
      'wakeupduration',
    ].map((k) => num(data[k]));
    const asleep = num(data['total_sleep_time']) ?? (deep ?? 0) + (light ?? 0) + (rem ?? 0);
    const stages = {
      ...(deep === undefined ? {} : { deepMinutes: minutes(deep) }),
      ...(light === undefined ? {} : { lightMinutes: minutes(light) }),
      ...(rem === undefined ? {} : { remMinutes: minutes(rem) }),
      ...(awake === undefined ? {} : { awakeMinutes: minutes(awake) }),
    };
    const id = num(s['id']);
    out.push({
      // Summaries carry only hash_deviceid, which equals deviceid in every captured response (research A4/A7).
      ...base(scope, id === undefined ? `sleep:${iso(start * 1000)}` : `sleep:${id}`, s['hash_deviceid']),
      type: 'sleep',
      timing: period(start * 1000, end * 1000, str(s['timezone'])),
      asleepMinutes: minutes(asleep),
      ...(Object.keys(stages).length > 0 ? { stages } : {}),
    });
  }
  return out;
}

const KIND: Readonly<Record<string, NormalizedDevice['kind']>> = {
  Scale: 'scale',
  'Blood Pressure Monitor': 'blood_pressure_monitor',
  'Activity Tracker': 'activity_tracker',
  'Sleep Monitor': 'sleep_monitor',
  'Smart Connected Thermometer': 'thermometer',
};

/** getdevice `devices[]` entry → NormalizedDevice (research A7). */
export function deviceRecord(d: unknown): NormalizedDevice | undefined {
  const deviceid = isRecord(d) ? str(d['deviceid']) : undefined;
  if (!isRecord(d) || deviceid === undefined) {
    return undefined;
  }
  const type = str(d['type']);
  const battery = str(d['battery']);
  const model = str(d['model']);
  const modelId = num(d['model_id']) ?? num(d['modelid']);
  const fw = str(d['fw']) ?? (num(d['fw']) === undefined ? undefined : String(d['fw']));
  const lastSession = num(d['last_session_date']);
  return {
    provider: 'withings',
    nativeId: deviceid,
    manufacturer: 'Withings',
    kind: (type === undefined ? undefined : KIND[type]) ?? 'other',
    ...(model === undefined ? {} : { model }),
    ...(modelId === undefined ? {} : { modelNumber: String(modelId) }),
    ...(fw === undefined ? {} : { firmwareVersion: fw }),
    ...(battery === 'high' || battery === 'medium' || battery === 'low' ? { batteryLevel: battery } : {}),
    ...(lastSession === undefined ? {} : { lastSyncAt: iso(lastSession * 1000) }),
    active: true,
  };
}
