import { DAY_MS, HOUR_MS } from '../../shared/clock.js';
import type { TypeInfo } from './catalog.js';
import { sortKey } from './filter.js';
import type { Profile } from './profile.js';
import { ecgAt, sleepOfNight } from './sleep-ecg.js';
import {
  civilDate,
  dayStart,
  interval,
  localDay,
  pointName,
  Rng,
  sampleTime,
  type WirePoint,
} from './wire.js';

const MINUTE_MS = 60_000;

/**
 * Every generated point of `type` that could fall in [from, to), as of `now`. Each local day is generated from
 * its own seed, so a point is the same whatever range or moment it is asked for; points appear once the clock
 * passes the moment the wearable would have synced them.
 */
export function generate(p: Profile, type: TypeInfo, from: number, to: number, now: number): WirePoint[] {
  const first = localDay(Math.max(from, p.originMs), p.offsetS) - 1;
  const last = localDay(Math.min(to, now), p.offsetS) + 1;
  const out: WirePoint[] = [];
  for (let day = first; day <= last; day += 1) {
    const rng = new Rng(`${p.healthUserId}|${type.kebab}|${day}`);
    for (const point of DAY_GENERATORS[type.kebab]?.(p, day, rng) ?? []) {
      if (readyAt(point, type, p) <= now && sortKey(point, type) >= p.originMs) {
        out.push(point);
      }
    }
  }
  return out;
}

/** When the wearable has synced a point: after its sample or interval, or the morning after for daily values. */
function readyAt(point: WirePoint, type: TypeInfo, p: Profile): number {
  const body = point[type.field] as Record<string, Record<string, unknown>>;
  if (type.kind === 'daily') {
    return sortKey(point, type) - p.offsetS * 1000 + 10 * HOUR_MS;
  }
  const end = body['interval']?.['endTime'];
  return typeof end === 'string' ? Date.parse(end) : sortKey(point, type);
}

type DayGenerator = (p: Profile, day: number, rng: Rng) => WirePoint[];

const wearable = (p: Profile, method = 'PASSIVELY_MEASURED') => ({
  platform: 'FITBIT',
  recordingMethod: method,
  device: p.tracker,
});

/** Samples every `stepMin` minutes from local `fromH` to `toH` o'clock, a few seconds off the minute. */
function everyFew(p: Profile, day: number, rng: Rng, fromH: number, toH: number, stepMin: number): number[] {
  const times: number[] = [];
  for (let m = fromH * 60; m < toH * 60; m += stepMin) {
    times.push(dayStart(day, p.offsetS) + m * MINUTE_MS + rng.int(0, 59) * 1000);
  }
  return times;
}

/** Minutes between heart-rate samples; SIM_GOOGLE_HEART_RATE_STEP_MIN (read once at load) makes load runs denser. */
const HEART_RATE_STEP_MIN = Number(process.env['SIM_GOOGLE_HEART_RATE_STEP_MIN'] ?? 5);

const DAY_GENERATORS: Readonly<Record<string, DayGenerator>> = {
  steps: (p, day, rng) => {
    const out: WirePoint[] = [];
    // Minute buckets while awake; a sedentary minute has no data point at all.
    for (let m = 7 * 60; m < 23 * 60; m += 1) {
      if (rng.chance(0.45)) {
        const start = dayStart(day, p.offsetS) + m * MINUTE_MS;
        out.push({
          name: pointName(p.healthUserId, 'steps', String(start)),
          dataSource: wearable(p),
          steps: { count: String(rng.int(8, 125)), interval: interval(start, start + MINUTE_MS, p.offsetS) },
        });
      }
    }
    return out;
  },
  'heart-rate': (p, day, rng) =>
    everyFew(p, day, rng, 0, 24, HEART_RATE_STEP_MIN).map((at) => {
      const asleep = at < dayStart(day, p.offsetS) + 6 * HOUR_MS;
      return {
        dataSource: wearable(p),
        heartRate: {
          beatsPerMinute: String(asleep ? rng.int(50, 60) : rng.int(62, 98)),
          metadata: { motionContext: asleep ? 'SEDENTARY' : 'ACTIVE', sensorLocation: 'WRIST' },
          sampleTime: sampleTime(at, p.offsetS),
        },
      };
    }),
  'heart-rate-variability': (p, day, rng) =>
    everyFew(p, day, rng, 0, 6, 30).map((at) => ({
      dataSource: wearable(p),
      heartRateVariability: {
        rootMeanSquareOfSuccessiveDifferencesMilliseconds: rng.tenth(22, 60),
        // Not every window yields an SDNN; proto3 then leaves the field out.
        ...(rng.chance(0.75) ? { standardDeviationMilliseconds: rng.tenth(35, 75) } : {}),
        sampleTime: sampleTime(at, p.offsetS),
      },
    })),
  'daily-heart-rate-variability': (p, day, rng) => [
    {
      dataSource: wearable(p, 'DERIVED'),
      dailyHeartRateVariability: {
        date: civilDate(day),
        averageHeartRateVariabilityMilliseconds: rng.tenth(30, 55),
        nonRemHeartRateBeatsPerMinute: String(rng.int(50, 60)),
        entropy: rng.tenth(2, 3.5),
        deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds: rng.tenth(32, 60),
      },
    },
  ],
  'oxygen-saturation': (p, day, rng) =>
    everyFew(p, day, rng, 0, 6, 15)
      .slice(2)
      .map((at) => ({
        dataSource: wearable(p),
        oxygenSaturation: { percentage: rng.tenth(93, 99), sampleTime: sampleTime(at, p.offsetS) },
      })),
  'daily-oxygen-saturation': (p, day, rng) => {
    const avg = rng.tenth(94.5, 97.5);
    return [
      {
        dataSource: wearable(p, 'DERIVED'),
        dailyOxygenSaturation: {
          date: civilDate(day),
          averagePercentage: avg,
          lowerBoundPercentage: Math.round((avg - 2.5) * 10) / 10,
          upperBoundPercentage: Math.min(100, Math.round((avg + 2) * 10) / 10),
          standardDeviationPercentage: rng.tenth(0.4, 1.2),
        },
      },
    ];
  },
  weight: (p, day) => scaleReading(p, day, 'weight'),
  'body-fat': (p, day) => scaleReading(p, day, 'body-fat'),
  sleep: (p, day, rng) => [sleepOfNight(p, day, rng)],
  electrocardiogram: (p, day, rng) =>
    rng.chance(1 / 3)
      ? [ecgAt(p, dayStart(day, p.offsetS) + 9 * HOUR_MS + rng.int(0, 7200) * 1000, rng)]
      : [],
  'daily-resting-heart-rate': (p, day, rng) => [
    {
      dataSource: wearable(p, 'DERIVED'),
      dailyRestingHeartRate: { date: civilDate(day), beatsPerMinute: String(rng.int(52, 64)) },
    },
  ],
};

/**
 * Weight and body fat come from one step on the scale every few mornings; both types share the day's seed.
 * The instant carries microseconds, as the live capture does.
 */
function scaleReading(p: Profile, day: number, kind: 'weight' | 'body-fat'): WirePoint[] {
  const rng = new Rng(`${p.healthUserId}|scale|${day}`);
  if (!rng.chance(0.35)) {
    return [];
  }
  const at = dayStart(day, p.offsetS) + 7 * HOUR_MS + rng.int(0, 1800) * 1000 + rng.int(0, 999);
  const micros = String(rng.int(0, 999)).padStart(3, '0');
  const time = sampleTime(at, p.offsetS);
  time['physicalTime'] = `${new Date(at).toISOString().slice(0, -1)}${micros}Z`;
  const grams = 78_000 + Math.round(Math.sin(day / 9) * 900) + rng.int(0, 400);
  const fat = rng.tenth(19, 23);
  return [
    {
      name: pointName(p.healthUserId, kind, String(at)),
      dataSource: { recordingMethod: 'PASSIVELY_MEASURED', platform: 'FITBIT', device: p.scale },
      ...(kind === 'weight'
        ? { weight: { weightGrams: grams, sampleTime: time } }
        : { bodyFat: { percentage: fat, sampleTime: time } }),
    },
  ];
}

export const HISTORY_MS = 120 * DAY_MS;
