import { HOUR_MS } from '../../shared/clock.js';
import type { Profile } from './profile.js';
import { dayStart, duration, interval, pointName, rfc3339, type Rng, type WirePoint } from './wire.js';

const MINUTE_MS = 60_000;
const STAGE_CYCLE = ['LIGHT', 'DEEP', 'LIGHT', 'REM', 'AWAKE'] as const;
const STAGE_MINUTES: Readonly<Record<(typeof STAGE_CYCLE)[number], [number, number]>> = {
  LIGHT: [15, 40],
  DEEP: [10, 35],
  REM: [10, 30],
  AWAKE: [1, 8],
};

/** The main sleep of the night that ends on local day `day`: in bed 22:30–23:30, up 06:00–07:00. */
export function sleepOfNight(p: Profile, day: number, rng: Rng): WirePoint {
  const start = dayStart(day, p.offsetS) - rng.int(30, 90) * MINUTE_MS;
  const end = dayStart(day, p.offsetS) + 6 * HOUR_MS + rng.int(0, 60) * MINUTE_MS;
  const stages: Record<string, unknown>[] = [];
  const minutes: Record<string, number> = { AWAKE: 0, LIGHT: 0, DEEP: 0, REM: 0 };
  const counts: Record<string, number> = { AWAKE: 0, LIGHT: 0, DEEP: 0, REM: 0 };
  let at = start;
  for (let i = 0; at < end; i += 1) {
    const type = STAGE_CYCLE[i % STAGE_CYCLE.length] ?? 'LIGHT';
    const [lo, hi] = STAGE_MINUTES[type];
    const stop = Math.min(end, at + rng.int(lo, hi) * MINUTE_MS);
    stages.push({
      type,
      startTime: rfc3339(at),
      startUtcOffset: duration(p.offsetS),
      endTime: rfc3339(stop),
      endUtcOffset: duration(p.offsetS),
    });
    minutes[type] = (minutes[type] ?? 0) + Math.round((stop - at) / MINUTE_MS);
    counts[type] = (counts[type] ?? 0) + 1;
    at = stop;
  }
  const total = Math.round((end - start) / MINUTE_MS);
  const awake = minutes['AWAKE'] ?? 0;
  const updated = rfc3339(end + 10 * MINUTE_MS);
  return {
    name: pointName(p.healthUserId, 'sleep', String(start)),
    dataSource: { recordingMethod: 'PASSIVELY_MEASURED', platform: 'FITBIT', device: p.tracker },
    sleep: {
      type: 'STAGES',
      interval: interval(start, end, p.offsetS),
      stages,
      metadata: { processed: true, mainSleep: true, nap: false, stagesStatus: 'SUCCEEDED' },
      summary: {
        minutesInSleepPeriod: String(total),
        minutesAsleep: String(total - awake),
        minutesAwake: String(awake),
        minutesToFallAsleep: '0',
        minutesAfterWakeUp: '0',
        stagesSummary: Object.keys(minutes).map((type) => ({
          type,
          minutes: String(minutes[type] ?? 0),
          count: String(counts[type] ?? 0),
        })),
      },
      createTime: updated,
      updateTime: updated,
    },
  };
}

const ECG_HZ = 250;
const ECG_SECONDS = 30;
const ECG_SCALE = 1000;
const CLASSIFICATIONS: readonly [string, number][] = [
  ['ATRIAL_FIBRILLATION', 0.08],
  ['INCONCLUSIVE', 0.05],
  ['INCONCLUSIVE_HIGH_HEART_RATE', 0.03],
  ['UNREADABLE', 0.03],
  ['NOT_ANALYZED', 0.01],
];

/** A 30 s single-lead recording at 250 Hz (7500 samples), raw units of 1/1000 mV. */
export function ecgAt(p: Profile, startMs: number, rng: Rng): WirePoint {
  const bpm = rng.int(58, 88);
  const roll = rng.next();
  let acc = 0;
  const classification =
    CLASSIFICATIONS.find(([, share]) => (acc += share) > roll)?.[0] ?? 'NORMAL_SINUS_RHYTHM';
  const beatS = 60 / bpm;
  const samples: number[] = [];
  for (let i = 0; i < ECG_HZ * ECG_SECONDS; i += 1) {
    const phase = ((i / ECG_HZ) % beatS) / beatS;
    // P wave, QRS complex and T wave as three bumps per beat, plus a little baseline noise.
    const mv =
      0.15 * bump(phase, 0.15, 0.025) +
      1.1 * bump(phase, 0.3, 0.008) -
      0.2 * bump(phase, 0.33, 0.01) +
      0.3 * bump(phase, 0.55, 0.04);
    // `+ 0` turns Math.round's -0 into the 0 that JSON would carry.
    samples.push(Math.round(mv * ECG_SCALE + (rng.next() - 0.5) * 30) + 0);
  }
  return {
    name: pointName(p.healthUserId, 'electrocardiogram', String(startMs)),
    dataSource: { recordingMethod: 'ACTIVELY_MEASURED', platform: 'FITBIT', device: p.tracker },
    electrocardiogram: {
      interval: {
        startTime: rfc3339(startMs),
        startUtcOffset: duration(p.offsetS),
        endTime: rfc3339(startMs),
        endUtcOffset: duration(p.offsetS),
      },
      beatsPerMinuteAvg: String(bpm),
      leadNumber: 1,
      samplingFrequencyHertz: ECG_HZ,
      millivoltsScalingFactor: ECG_SCALE,
      resultClassification: classification,
      waveformSamples: samples,
      medicalDeviceInfo: {
        deviceModel: p.tracker.displayName,
        firmwareVersion: '217.62',
        featureVersion: '1.2.3',
      },
    },
  };
}

const bump = (x: number, centre: number, width: number): number => Math.exp(-(((x - centre) / width) ** 2));
