import { DAY_MS } from '../../shared/clock.js';
import { hexId, Rng } from './random.js';

export interface SimDevice {
  readonly type: string;
  readonly model: string;
  readonly modelId: number;
  readonly deviceid: string;
  readonly fw: string;
  readonly battery: 'high' | 'medium' | 'low';
}

/** The stable traits of one sandbox user from which every day of their data is generated. */
export interface UserProfile {
  readonly key: string;
  readonly userid: number;
  readonly timezone: string;
  readonly weightKg: number;
  readonly fatPercent: number;
  readonly systolic: number;
  readonly diastolic: number;
  readonly restingHr: number;
  readonly dailySteps: number;
  readonly scale: SimDevice;
  readonly bpm: SimDevice;
  readonly watch: SimDevice;
  readonly thermometer: SimDevice;
  readonly sleepMat: SimDevice;
}

// Zones with and without DST, east and west of UTC, so offset handling is exercised.
const TIMEZONES = ['Europe/Amsterdam', 'America/New_York', 'Asia/Tokyo', 'Europe/London'] as const;

export function userProfile(seed: string, userid: number): UserProfile {
  const key = `${seed}|${userid}`;
  const rng = new Rng(`${key}|profile`);
  const device = (type: string, model: string, modelId: number, fw: string): SimDevice => ({
    type,
    model,
    modelId,
    deviceid: hexId(`${key}|device|${model}`),
    fw,
    battery: rng.pick(['high', 'medium', 'low'] as const),
  });
  return {
    key,
    userid,
    timezone: rng.pick(TIMEZONES),
    weightKg: rng.real(60, 100, 1),
    fatPercent: rng.real(15, 32, 1),
    systolic: rng.int(112, 132),
    diastolic: rng.int(72, 84),
    restingHr: rng.int(55, 70),
    dailySteps: rng.int(5000, 11_000),
    // model_id values from research A7; the thermometer's and sleep mat's ids are not in research [U].
    scale: device('Scale', 'Body+', 5, '1320'),
    bpm: device('Blood Pressure Monitor', 'BPM Connect', 45, '680'),
    watch: device('Activity Tracker', 'ScanWatch', 93, '2960'),
    thermometer: device('Smart Connected Thermometer', 'Thermo', 70, '410'),
    sleepMat: device('Sleep Monitor', 'Sleep Analyzer', 63, '2110'),
  };
}

export function allDevices(p: UserProfile): SimDevice[] {
  return [p.scale, p.bpm, p.watch, p.thermometer, p.sleepMat];
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset in minutes at an instant. */
export function zoneOffsetMinutes(timezone: string, atMs: number): number {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
    formatters.set(timezone, f);
  }
  const name = f.formatToParts(atMs).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The instant local midnight begins on the civil date numbered `epochDay` (days since 1970-01-01). */
export function localMidnightMs(timezone: string, epochDay: number): number {
  const utcMidnight = epochDay * DAY_MS;
  const guess = utcMidnight - zoneOffsetMinutes(timezone, utcMidnight) * 60_000;
  return utcMidnight - zoneOffsetMinutes(timezone, guess) * 60_000;
}

/** `YYYY-MM-DD` of a civil day number. */
export function ymd(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

/** Civil day number of a `YYYY-MM-DD`, or undefined when malformed. */
export function parseYmd(text: string | null): number | undefined {
  if (text === null || !/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return undefined;
  }
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : ms / DAY_MS;
}

/** The civil day number the instant falls on in the zone. */
export function localEpochDay(timezone: string, atMs: number): number {
  return Math.floor((atMs + zoneOffsetMinutes(timezone, atMs) * 60_000) / DAY_MS);
}
