import type {
  EcgClassification,
  NormalizedDevice,
  NormalizedRecord,
  PatientRef,
  SleepStages,
  Timing,
} from '../../common/domain/records.js';
import { isRecord } from '../auth/http.js';
import { FITBIT } from './fitbit.descriptor.js';
import { deviceOf } from './google-health.devices.js';

/** The Google Health data types the adapter reads, as paths name them. */
export type GoogleDataType =
  | 'steps'
  | 'heart-rate'
  | 'heart-rate-variability'
  | 'daily-heart-rate-variability'
  | 'oxygen-saturation'
  | 'daily-oxygen-saturation'
  | 'weight'
  | 'body-fat'
  | 'sleep'
  | 'electrocardiogram'
  | 'daily-resting-heart-rate';

/** What parsing needs beyond the point itself. */
export interface ParseContext {
  readonly patient: PatientRef;
  /** The paired device (pairedDevices id) whose model is a data source's device displayName, if any. */
  readonly pairedDeviceId: (displayName: string) => string | undefined;
  /** Offset (minutes) to place a civil date in; the user's offset when known, else 0 (UTC). */
  offsetForDate(date: string): number;
}

type Wire = Record<string, unknown>;
const DAY_MS = 86_400_000;
const obj = (v: unknown): Wire => (isRecord(v) ? v : {});

/** proto3 int64 values come as strings ("61"), doubles as numbers; both become finite numbers or undefined. */
export function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** A proto3 Duration UTC offset (`"3600s"`, `"-18000s"`) in minutes; absent means UTC. */
export function offsetMinutes(v: unknown): number {
  const m = typeof v === 'string' ? /^(-?\d+)(?:\.\d+)?s$/.exec(v) : null;
  return m ? Math.round(Number(m[1]) / 60) : 0;
}

/** An RFC 3339 instant (Google may send microseconds) as our `...Z` ISO form; undefined when unparseable. */
export function instant(v: unknown): string | undefined {
  const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** google.type.Date → `YYYY-MM-DD`. */
export function civilDate(v: unknown): string | undefined {
  const d = obj(v);
  const [y, m, day] = [num(d['year']), num(d['month']), num(d['day'])];
  if (y === undefined || m === undefined || day === undefined) {
    return undefined;
  }
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const CLASSIFICATION: Readonly<Record<string, EcgClassification>> = {
  NORMAL_SINUS_RHYTHM: 'sinus_rhythm',
  ATRIAL_FIBRILLATION: 'atrial_fibrillation',
  UNREADABLE: 'unclassified',
  NOT_ANALYZED: 'unclassified',
};

/**
 * One wire data point (list or reconcile item) → the records it holds: none when its values are missing or
 * malformed (a partial point must not fail the whole sync), two for an HRV sample carrying RMSSD and SDNN.
 */
export function toRecords(type: GoogleDataType, point: Wire, ctx: ParseContext): NormalizedRecord[] {
  const field = type.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  const body = obj(point[field]);
  const timing = timingOf(type, body, ctx);
  if (timing === undefined) {
    return [];
  }
  const name = point['name'] ?? point['dataPointName'];
  const start = timing.kind === 'instant' ? timing.at : timing.start;
  const key = typeof name === 'string' && name !== '' ? name : `${type}:${dailyKey(body) ?? start}`;
  const device = deviceOf(point['dataSource'], ctx.patient, ctx.pairedDeviceId);
  const base = {
    provider: FITBIT.type,
    patient: ctx.patient,
    nativeId: key,
    timing,
    ...(device ? { device } : {}),
  };
  // Two HRV metrics from one point need two ids; every other point yields at most one record.
  return valuesOf(type, body).map(
    (v): NormalizedRecord => ({
      ...base,
      ...v,
      ...(v.type === 'hrv' ? { nativeId: `${key}:${v.metric}` } : {}),
    }),
  );
}

/** A record's own values: everything but the fields every record shares. */
type Values = NormalizedRecord extends infer R
  ? R extends NormalizedRecord
    ? Omit<R, 'provider' | 'patient' | 'nativeId' | 'timing' | 'device'>
    : never
  : never;

function valuesOf(type: GoogleDataType, b: Wire): Values[] {
  switch (type) {
    case 'steps': {
      const count = num(b['count']);
      return count === undefined ? [] : [{ type: 'steps', count }];
    }
    case 'heart-rate':
    case 'daily-resting-heart-rate': {
      const bpm = num(b['beatsPerMinute']);
      return bpm === undefined
        ? []
        : [{ type: type === 'heart-rate' ? 'heart_rate' : 'resting_heart_rate', bpm }];
    }
    case 'heart-rate-variability': {
      const rmssd = num(b['rootMeanSquareOfSuccessiveDifferencesMilliseconds']);
      const sdnn = num(b['standardDeviationMilliseconds']);
      return [
        ...(rmssd === undefined ? [] : [{ type: 'hrv' as const, metric: 'rmssd' as const, ms: rmssd }]),
        ...(sdnn === undefined ? [] : [{ type: 'hrv' as const, metric: 'sdnn' as const, ms: sdnn }]),
      ];
    }
    case 'daily-heart-rate-variability': {
      const rmssd = num(b['averageHeartRateVariabilityMilliseconds']);
      return rmssd === undefined ? [] : [{ type: 'hrv', metric: 'rmssd', ms: rmssd }];
    }
    case 'oxygen-saturation':
    case 'daily-oxygen-saturation': {
      const percent = num(b[type === 'oxygen-saturation' ? 'percentage' : 'averagePercentage']);
      return percent === undefined ? [] : [{ type: 'spo2', percent }];
    }
    case 'weight': {
      const grams = num(b['weightGrams']);
      return grams === undefined ? [] : [{ type: 'weight', kg: grams / 1000 }];
    }
    case 'body-fat': {
      const percent = num(b['percentage']);
      return percent === undefined ? [] : [{ type: 'body_fat', percent }];
    }
    case 'sleep':
      return sleepValues(b);
    case 'electrocardiogram':
      return ecgValues(b);
  }
}

function sleepValues(b: Wire): Values[] {
  const summary = obj(b['summary']);
  const minutes: Record<string, number> = {};
  const stagesSummary = Array.isArray(summary['stagesSummary']) ? summary['stagesSummary'] : [];
  if (stagesSummary.length > 0) {
    for (const s of stagesSummary.map(obj)) {
      minutes[String(s['type'])] = (minutes[String(s['type'])] ?? 0) + (num(s['minutes']) ?? 0);
    }
  } else {
    // No summary (not yet processed): sum the stage intervals instead.
    for (const s of (Array.isArray(b['stages']) ? b['stages'] : []).map(obj)) {
      const span = (Date.parse(String(s['endTime'])) - Date.parse(String(s['startTime']))) / 60_000;
      if (Number.isFinite(span)) {
        minutes[String(s['type'])] = (minutes[String(s['type'])] ?? 0) + Math.round(span);
      }
    }
  }
  const stages: SleepStages = {
    ...pick('deepMinutes', minutes['DEEP']),
    ...pick('lightMinutes', minutes['LIGHT']),
    ...pick('remMinutes', minutes['REM']),
    ...pick('awakeMinutes', minutes['AWAKE']),
  };
  const staged = Object.keys(stages).length > 0;
  const asleep =
    num(summary['minutesAsleep']) ??
    (staged
      ? Object.entries(minutes).reduce((sum, [t, m]) => (t === 'AWAKE' ? sum : sum + m), 0)
      : undefined);
  return asleep === undefined
    ? []
    : [{ type: 'sleep', asleepMinutes: asleep, ...(staged ? { stages } : {}) }];
}

const pick = (key: keyof SleepStages, v: number | undefined): SleepStages =>
  v === undefined ? {} : { [key]: v };

function ecgValues(b: Wire): Values[] {
  const scaling = num(b['millivoltsScalingFactor']);
  const hz = num(b['samplingFrequencyHertz']);
  const raw = b['waveformSamples'];
  if (scaling === undefined || scaling === 0 || hz === undefined || !Array.isArray(raw)) {
    return [];
  }
  // Samples are int32 in the API, so plain JSON numbers; anything else means a garbled recording.
  const samples = raw.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (samples.length !== raw.length) {
    return [];
  }
  const result = typeof b['resultClassification'] === 'string' ? b['resultClassification'] : '';
  const bpm = num(b['beatsPerMinuteAvg']);
  return [
    {
      type: 'ecg',
      samplingFrequencyHz: hz,
      samples,
      factor: 1 / scaling,
      unit: 'mV',
      lead: num(b['leadNumber']) === 1 ? 'I' : 'unspecified',
      classification: result.startsWith('INCONCLUSIVE')
        ? 'inconclusive'
        : (CLASSIFICATION[result] ?? 'unclassified'),
      ...(bpm === undefined ? {} : { heartRateBpm: bpm }),
    },
  ];
}

function dailyKey(b: Wire): string | undefined {
  return b['date'] === undefined ? undefined : civilDate(b['date']);
}

function timingOf(type: GoogleDataType, b: Wire, ctx: ParseContext): Timing | undefined {
  if (type.startsWith('daily-')) {
    const date = civilDate(b['date']);
    if (date === undefined) {
      return undefined;
    }
    const offset = ctx.offsetForDate(date);
    const start = Date.parse(`${date}T00:00:00Z`) - offset * 60_000;
    return {
      kind: 'period',
      start: new Date(start).toISOString(),
      end: new Date(start + DAY_MS).toISOString(),
      offsetMinutes: offset,
    };
  }
  const sample = obj(b['sampleTime']);
  if (b['sampleTime'] !== undefined) {
    const at = instant(sample['physicalTime']);
    return at === undefined
      ? undefined
      : { kind: 'instant', at, offsetMinutes: offsetMinutes(sample['utcOffset']) };
  }
  const iv = obj(b['interval']);
  const [start, end] = [instant(iv['startTime']), instant(iv['endTime'])];
  if (start === undefined) {
    return undefined;
  }
  const offset = offsetMinutes(iv['startUtcOffset']);
  // An ECG's interval is a point (startTime == endTime): the recording's moment.
  if (type === 'electrocardiogram' || end === undefined || end === start) {
    return { kind: 'instant', at: start, offsetMinutes: offset };
  }
  return { kind: 'period', start, end, offsetMinutes: offset };
}

/** pairedDevices item → NormalizedDevice; nativeId is the id segment of `name` (users/me/pairedDevices/{id}). */
export function toDevice(d: Wire): NormalizedDevice | undefined {
  const id = typeof d['name'] === 'string' ? d['name'].split('/').pop() : undefined;
  if (id === undefined || id === '') {
    return undefined;
  }
  const kind =
    d['deviceType'] === 'SCALE' ? 'scale' : d['deviceType'] === 'TRACKER' ? 'activity_tracker' : 'other';
  const battery = num(d['batteryLevel']);
  const lastSync = instant(d['lastSyncTime']);
  return {
    provider: FITBIT.type,
    nativeId: id,
    manufacturer: 'Google',
    kind,
    ...(typeof d['deviceVersion'] === 'string' ? { model: d['deviceVersion'] } : {}),
    ...(battery === undefined ? {} : { batteryPercent: battery }),
    ...(typeof d['batteryStatus'] === 'string' ? { batteryLevel: d['batteryStatus'].toLowerCase() } : {}),
    ...(lastSync === undefined ? {} : { lastSyncAt: lastSync }),
    active: true,
  };
}
