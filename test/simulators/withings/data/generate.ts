import { HOUR_MS } from '../../shared/clock.js';
import { localMidnightMs, ymd, zoneOffsetMinutes, type SimDevice, type UserProfile } from './profile.js';
import { intId, Rng } from './random.js';

/** Wire shapes of research A4–A6, as the simulator emits them. */
export interface WireMeasure {
  readonly value: number;
  readonly type: number;
  readonly unit: number;
  readonly algo: number;
  readonly fm: number;
}

export interface MeasureGroup {
  readonly grpid: number;
  readonly attrib: number;
  readonly date: number;
  readonly created: number;
  readonly modified: number;
  readonly category: number;
  readonly deviceid: string | null;
  readonly hash_deviceid: string | null;
  readonly measures: readonly WireMeasure[];
  readonly modelid: number | null;
  readonly model: string | null;
  readonly comment: null;
}

export interface EcgEntry {
  readonly deviceid: string;
  readonly model: number;
  readonly ecg: { readonly signalid: number; readonly afib: number };
  readonly heart_rate: number;
  readonly timestamp: number;
  readonly modified: number;
  readonly timezone: string;
}

const S = (ms: number): number => Math.floor(ms / 1000);
const HOUR_S = HOUR_MS / 1000;

export function group(
  grpid: number,
  date: number,
  device: SimDevice | undefined,
  measures: readonly WireMeasure[],
  attrib = 0,
): MeasureGroup {
  return {
    grpid,
    attrib,
    date,
    created: date + 30,
    modified: date + 30,
    category: 1,
    deviceid: device?.deviceid ?? null,
    hash_deviceid: device?.deviceid ?? null,
    measures,
    modelid: device?.modelId ?? null,
    model: device?.model ?? null,
    comment: null,
  };
}

const m = (type: number, value: number, unit: number, algo = 0, fm = 3): WireMeasure => ({
  value,
  type,
  unit,
  algo,
  fm,
});

/** The getmeas groups of one local day: scale, blood pressure, SpO2, skin and (every other day) body temperature. */
export function measureGroups(p: UserProfile, day: number): MeasureGroup[] {
  const base = S(localMidnightMs(p.timezone, day));
  const rng = new Rng(`${p.key}|${day}|meas`);
  const id = (kind: string): number => intId(`${p.key}|${day}|${kind}`, 1_000_000_000, 3_000_000_000);
  const weight = p.weightKg + rng.real(-0.8, 0.8, 3);
  const fat = p.fatPercent + rng.real(-0.5, 0.5, 2);
  const fatMass = (weight * fat) / 100;
  const groups = [
    group(id('scale'), base + 6.5 * HOUR_S + rng.int(0, 3600), p.scale, [
      m(1, Math.round(weight * 1000), -3, 3),
      m(5, Math.round((weight - fatMass) * 1000), -3),
      m(6, Math.round(fat * 1000), -3),
      m(8, Math.round(fatMass * 1000), -3),
      m(11, p.restingHr + rng.int(0, 12), 0),
    ]),
    // Unit -2 as in the captured BPM Connect group (research A4).
    group(id('bp'), base + 7.5 * HOUR_S + rng.int(0, 3600), p.bpm, [
      m(9, (p.diastolic + rng.int(-4, 6)) * 100, -2, 0, 128),
      m(10, (p.systolic + rng.int(-6, 10)) * 100, -2, 0, 128),
      m(11, (p.restingHr + rng.int(2, 15)) * 100, -2, 0, 128),
    ]),
    group(id('spo2'), base + 10 * HOUR_S + rng.int(0, 3600), p.watch, [m(54, rng.int(94, 99), 0)]),
    group(id('skin'), base + 3 * HOUR_S + rng.int(0, 1800), p.watch, [m(73, rng.int(3300, 3450), -2)]),
  ];
  if (day % 2 === 0) {
    groups.push(
      group(id('thermo'), base + 20 * HOUR_S + rng.int(0, 3600), p.thermometer, [
        m(71, rng.int(3620, 3740), -2),
      ]),
    );
  }
  return groups;
}

/** One getactivity day (research A5 field set). */
export function activityDay(p: UserProfile, day: number): Record<string, unknown> {
  const rng = new Rng(`${p.key}|${day}|activity`);
  const steps = Math.max(800, p.dailySteps + rng.int(-3000, 4000));
  const [soft, moderate, intense] = [rng.int(3000, 9000), rng.int(600, 3000), rng.int(0, 1800)];
  const calories = Math.round(steps * 0.045 * 10) / 10;
  return {
    date: ymd(day),
    timezone: p.timezone,
    deviceid: p.watch.deviceid,
    hash_deviceid: p.watch.deviceid,
    brand: 18,
    is_tracker: true,
    steps,
    distance: Math.round(steps * 0.76 * 10) / 10,
    elevation: rng.int(0, 40),
    soft,
    moderate,
    intense,
    active: moderate + intense,
    calories,
    totalcalories: Math.round((calories + 1650) * 10) / 10,
    hr_average: p.restingHr + rng.int(8, 20),
    hr_min: p.restingHr - rng.int(3, 8),
    hr_max: p.restingHr + rng.int(50, 90),
    hr_zone_0: rng.int(20_000, 40_000),
    hr_zone_1: rng.int(2000, 8000),
    hr_zone_2: rng.int(0, 2000),
    hr_zone_3: rng.int(0, 600),
    modified: S(localMidnightMs(p.timezone, day + 1)) + 600,
    modelid: p.watch.modelId,
    model: p.watch.model,
  };
}

/**
 * Spacing of the generated intraday series (ScanWatch samples heart rate every few minutes at rest).
 * SIM_WITHINGS_INTRADAY_STEP_S (read once at load) makes it denser for load runs: 60 is minute-level data.
 */
export const INTRADAY_STEP_S = Number(process.env['SIM_WITHINGS_INTRADAY_STEP_S'] ?? 600);

/** One sparse intraday entry; only fields with data are present (research A5). */
export function intradayEntry(p: UserProfile, epochS: number): Record<string, number | string> {
  const rng = new Rng(`${p.key}|intraday|${epochS}`);
  const hour = Math.floor(((epochS + zoneOffsetMinutes(p.timezone, epochS * 1000) * 60) / HOUR_S) % 24);
  const night = hour < 6;
  const entry: Record<string, number | string> = {
    deviceid: p.watch.deviceid,
    model: p.watch.model,
    model_id: p.watch.modelId,
    heart_rate: night ? p.restingHr + rng.int(-5, 3) : p.restingHr + rng.int(5, 40),
  };
  if (hour >= 7 && hour <= 21 && rng.chance(0.6)) {
    entry['steps'] = rng.int(20, 900);
    entry['duration'] = INTRADAY_STEP_S;
  }
  if (night && epochS % 3600 === 0) {
    entry['spo2_auto'] = rng.int(94, 99);
  }
  if (night && epochS % 1800 === 0) {
    entry['rmssd'] = rng.int(20, 70);
    entry['sdnn1'] = rng.int(30, 90);
  }
  return entry;
}

/** Signal ids encode user and day, so `heart get` can regenerate the waveform without storing it. */
export const signalId = (userid: number, day: number): number => userid * 100_000 + day;
export const decodeSignalId = (id: number): { userid: number; day: number } => ({
  userid: Math.floor(id / 100_000),
  day: id % 100_000,
});

/** One ECG every third day, mid-afternoon local time, from the watch (300 Hz for 30 s, research A6). */
export function ecgOfDay(p: UserProfile, day: number): EcgEntry | undefined {
  if ((day + p.userid) % 3 !== 0) {
    return undefined;
  }
  const rng = new Rng(`${p.key}|${day}|ecg`);
  const timestamp = S(localMidnightMs(p.timezone, day)) + 14 * HOUR_S + rng.int(0, 7200);
  const roll = rng.next();
  return {
    deviceid: p.watch.deviceid,
    model: p.watch.modelId,
    ecg: { signalid: signalId(p.userid, day), afib: roll < 0.8 ? 0 : roll < 0.9 ? 2 : 1 },
    heart_rate: rng.int(58, 92),
    timestamp,
    modified: timestamp + 45,
    timezone: p.timezone,
  };
}

export const ECG_HZ = 300;
export const ECG_SECONDS = 30;

/** A PQRST-shaped trace in µV: Gaussian waves per beat plus a little deterministic noise. */
export function ecgSignal(p: UserProfile, day: number, heartRate: number): number[] {
  const rng = new Rng(`${p.key}|${day}|ecg-signal`);
  const period = 60 / heartRate;
  const waves: ReadonlyArray<readonly [number, number, number]> = [
    [0.18, 120, 0.025],
    [0.37, -110, 0.01],
    [0.4, 1100, 0.012],
    [0.43, -260, 0.01],
    [0.68, 300, 0.04],
  ];
  return Array.from({ length: ECG_HZ * ECG_SECONDS }, (_, i) => {
    const phase = ((i / ECG_HZ) % period) / period;
    const v = waves.reduce(
      (sum, [at, amp, w]) => sum + amp * Math.exp(-(((phase - at) * period) ** 2) / (2 * w * w)),
      0,
    );
    return Math.round(v) + rng.int(-15, 15);
  });
}

/** The sleep session ending on the morning of `day` (getsummary series entry). */
export function sleepOfDay(p: UserProfile, day: number): Record<string, unknown> {
  const rng = new Rng(`${p.key}|${day}|sleep`);
  const midnight = S(localMidnightMs(p.timezone, day));
  const startdate = midnight - rng.int(45, 120) * 60;
  const enddate = midnight + rng.int(360, 450) * 60;
  const toSleep = rng.int(300, 1500);
  const wakeup = rng.int(600, 2400);
  const asleep = enddate - startdate - toSleep - wakeup;
  const deep = Math.round(asleep * rng.real(0.15, 0.25, 2));
  const rem = Math.round(asleep * rng.real(0.18, 0.25, 2));
  return {
    id: intId(`${p.key}|${day}|sleep`, 100_000_000, 900_000_000),
    timezone: p.timezone,
    model: 32,
    model_id: p.sleepMat.modelId,
    hash_deviceid: p.sleepMat.deviceid,
    startdate,
    enddate,
    date: ymd(day),
    created: enddate + 300,
    modified: enddate + 300,
    data: {
      wakeupduration: wakeup + toSleep,
      wakeupcount: rng.int(0, 4),
      lightsleepduration: asleep - deep - rem,
      deepsleepduration: deep,
      remsleepduration: rem,
      durationtosleep: toSleep,
      durationtowakeup: rng.int(0, 600),
      total_sleep_time: asleep,
      total_timeinbed: enddate - startdate,
      sleep_efficiency: Math.round((asleep / (enddate - startdate)) * 100) / 100,
      hr_average: p.restingHr - 3,
      hr_min: p.restingHr - 9,
      hr_max: p.restingHr + 14,
      rr_average: rng.int(12, 17),
    },
  };
}
