import { describe, expect, it } from 'vitest';
import type { PatientRef } from '../../common/domain/records.js';
import { filterFor } from './google-health.data.js';
import { offsetMinutes, toDevice, toRecords, type ParseContext } from './google-health.records.js';

const patient = { ehrUserId: 'ehr-1', fhirPatientId: 'pat-1' };
const ctx: ParseContext = {
  patient,
  pairedDeviceId: (name) => (name === 'Charge 6' ? '123' : undefined),
  offsetForDate: (date) => (date === '2026-11-21' ? 60 : 0),
};
const base = { provider: 'fitbit', patient };

/** Literal wire shapes as the Google Health API sends them: int64 as strings, doubles as numbers, offsets as durations. */
describe('Google Health wire → records', () => {
  it('should read a named steps interval with its offset and matched device', () => {
    const point = {
      name: 'users/7583570207748835967/dataTypes/steps/dataPoints/s1',
      dataSource: {
        platform: 'FITBIT',
        recordingMethod: 'PASSIVELY_MEASURED',
        device: { displayName: 'Charge 6' },
      },
      steps: {
        count: '112',
        interval: {
          startTime: '2026-11-21T14:00:00Z',
          startUtcOffset: '3600s',
          endTime: '2026-11-21T14:01:00Z',
          endUtcOffset: '3600s',
          civilStartTime: { date: { year: 2026, month: 11, day: 21 }, time: { hours: 15 } },
        },
      },
    };
    expect(toRecords('steps', point, ctx)).toEqual([
      {
        ...base,
        type: 'steps',
        count: 112,
        nativeId: 'users/7583570207748835967/dataTypes/steps/dataPoints/s1',
        timing: {
          kind: 'period',
          start: '2026-11-21T14:00:00.000Z',
          end: '2026-11-21T14:01:00.000Z',
          offsetMinutes: 60,
        },
        device: { provider: 'fitbit', nativeId: '123' },
      },
    ]);
  });

  it('should key an unnamed heart-rate sample by type and instant, with a per-patient id for an unpaired device', () => {
    const point = {
      dataSource: {
        recordingMethod: 'PASSIVELY_MEASURED',
        device: { displayName: 'Inspire 3' },
        platform: 'FITBIT',
      },
      heartRate: {
        beatsPerMinute: '61',
        metadata: { motionContext: 'SEDENTARY', sensorLocation: 'WRIST' },
        sampleTime: { physicalTime: '2026-08-29T05:29:57Z', utcOffset: '19800s' },
      },
    };
    expect(toRecords('heart-rate', point, ctx)).toEqual([
      {
        ...base,
        type: 'heart_rate',
        bpm: 61,
        nativeId: 'heart-rate:2026-08-29T05:29:57.000Z',
        timing: { kind: 'instant', at: '2026-08-29T05:29:57.000Z', offsetMinutes: 330 },
        // sha256 of ["ehr-1","FITBIT","","","Inspire 3"] (computed apart, with Python): stable across releases.
        device: { provider: 'fitbit', nativeId: 'unpaired-b453f7c64eed9ce452a3b7770cce87a5' },
      },
    ]);
  });

  it.each<[string, PatientRef, Record<string, string>, boolean]>([
    ['the same patient and source', patient, {}, true],
    ['another patient', { ehrUserId: 'ehr-2', fhirPatientId: 'pat-2' }, {}, false],
    ['another platform', patient, { platform: 'HEALTH_CONNECT' }, false],
    ['another form factor', patient, { formFactor: 'PHONE' }, false],
    ['another manufacturer', patient, { manufacturer: 'Samsung' }, false],
  ])(
    'should give an unpaired device seen by %s the same id only when nothing differs',
    (_label, who, change, same) => {
      const steps = (p: PatientRef, source: Record<string, string>): string | undefined => {
        const point = {
          dataSource: {
            platform: source['platform'] ?? 'FITBIT',
            device: { displayName: 'Pixel Watch 2', ...source, platform: undefined },
          },
          steps: {
            count: '5',
            interval: { startTime: '2026-11-21T14:00:00Z', endTime: '2026-11-21T14:01:00Z' },
          },
        };
        const [record] = toRecords('steps', point, { ...ctx, patient: p });
        return record?.device?.nativeId;
      };
      const mine = steps(patient, {});
      expect(mine).toMatch(/^unpaired-[0-9a-f]{32}$/);
      expect(steps(who, { ...change }) === mine).toBe(same);
    },
  );

  it('should split an HRV sample into one record per metric present', () => {
    const both = {
      heartRateVariability: {
        rootMeanSquareOfSuccessiveDifferencesMilliseconds: 38.4,
        standardDeviationMilliseconds: 52.1,
        sampleTime: { physicalTime: '2026-11-21T02:00:00Z', utcOffset: '0s' },
      },
    };
    const records = toRecords('heart-rate-variability', both, ctx);
    expect(records.map((r) => [r.nativeId, r.type === 'hrv' && r.metric, r.type === 'hrv' && r.ms])).toEqual([
      ['heart-rate-variability:2026-11-21T02:00:00.000Z:rmssd', 'rmssd', 38.4],
      ['heart-rate-variability:2026-11-21T02:00:00.000Z:sdnn', 'sdnn', 52.1],
    ]);
    const rmssdOnly = {
      heartRateVariability: { ...both.heartRateVariability, standardDeviationMilliseconds: undefined },
    };
    expect(toRecords('heart-rate-variability', rmssdOnly, ctx)).toHaveLength(1);
  });

  it('should place daily values on their civil day in the known offset, else UTC', () => {
    const hrv = {
      dailyHeartRateVariability: {
        date: { year: 2026, month: 11, day: 21 },
        averageHeartRateVariabilityMilliseconds: 41.7,
        nonRemHeartRateBeatsPerMinute: '55',
      },
    };
    expect(toRecords('daily-heart-rate-variability', hrv, ctx)).toEqual([
      {
        ...base,
        type: 'hrv',
        metric: 'rmssd',
        ms: 41.7,
        nativeId: 'daily-heart-rate-variability:2026-11-21:rmssd',
        timing: {
          kind: 'period',
          start: '2026-11-20T23:00:00.000Z',
          end: '2026-11-21T23:00:00.000Z',
          offsetMinutes: 60,
        },
      },
    ]);
    const spo2 = {
      dailyOxygenSaturation: {
        date: { year: 2026, month: 11, day: 20 },
        averagePercentage: 95.8,
        lowerBoundPercentage: 93.0,
      },
    };
    expect(toRecords('daily-oxygen-saturation', spo2, ctx)[0]).toMatchObject({
      type: 'spo2',
      percent: 95.8,
      timing: { start: '2026-11-20T00:00:00.000Z', end: '2026-11-21T00:00:00.000Z', offsetMinutes: 0 },
    });
    const rhr = { dailyRestingHeartRate: { date: { year: 2026, month: 11, day: 21 }, beatsPerMinute: '58' } };
    expect(toRecords('daily-resting-heart-rate', rhr, ctx)[0]).toMatchObject({
      type: 'resting_heart_rate',
      bpm: 58,
    });
  });

  it('should read weight grams as kg and keep microsecond instants at ms precision', () => {
    const point = {
      name: 'users/1/dataTypes/weight/dataPoints/p1',
      dataSource: { recordingMethod: 'MANUAL', platform: 'FITBIT' },
      weight: {
        weightGrams: 79832,
        sampleTime: { physicalTime: '2026-09-09T01:24:33.390135Z', utcOffset: '-18000s' },
      },
    };
    expect(toRecords('weight', point, ctx)).toEqual([
      {
        ...base,
        type: 'weight',
        kg: 79.832,
        nativeId: 'users/1/dataTypes/weight/dataPoints/p1',
        timing: { kind: 'instant', at: '2026-09-09T01:24:33.390Z', offsetMinutes: -300 },
      },
    ]);
    const fat = { bodyFat: { percentage: 21.4, sampleTime: { physicalTime: '2026-09-09T01:24:33Z' } } };
    expect(toRecords('body-fat', fat, ctx)[0]).toMatchObject({ type: 'body_fat', percent: 21.4 });
  });

  it('should read a reconciled sleep by dataPointName with stage minutes from the summary', () => {
    const point = {
      dataPointName: 'users/7583570207748835967/dataTypes/sleep/dataPoints/1218857650621109392',
      sleep: {
        type: 'STAGES',
        interval: {
          startTime: '2026-11-20T22:41:00Z',
          startUtcOffset: '3600s',
          endTime: '2026-11-21T06:12:00Z',
          endUtcOffset: '3600s',
        },
        stages: [{ type: 'LIGHT', startTime: '2026-11-20T22:41:00Z', endTime: '2026-11-20T23:05:00Z' }],
        summary: {
          minutesInSleepPeriod: '451',
          minutesAsleep: '402',
          minutesAwake: '49',
          stagesSummary: [
            { type: 'DEEP', minutes: '71', count: '4' },
            { type: 'LIGHT', minutes: '250', count: '20' },
            { type: 'REM', minutes: '81', count: '5' },
            { type: 'AWAKE', minutes: '49', count: '12' },
          ],
        },
      },
    };
    expect(toRecords('sleep', point, ctx)).toEqual([
      {
        ...base,
        type: 'sleep',
        nativeId: 'users/7583570207748835967/dataTypes/sleep/dataPoints/1218857650621109392',
        timing: {
          kind: 'period',
          start: '2026-11-20T22:41:00.000Z',
          end: '2026-11-21T06:12:00.000Z',
          offsetMinutes: 60,
        },
        asleepMinutes: 402,
        stages: { deepMinutes: 71, lightMinutes: 250, remMinutes: 81, awakeMinutes: 49 },
      },
    ]);
  });

  it('should scale ECG samples by 1/millivoltsScalingFactor and map the classification', () => {
    const ecg = (resultClassification: string, leadNumber = 1) => ({
      name: 'users/1/dataTypes/electrocardiogram/dataPoints/e1',
      electrocardiogram: {
        interval: { startTime: '2026-11-21T09:00:00Z', endTime: '2026-11-21T09:00:00Z' },
        beatsPerMinuteAvg: '72',
        leadNumber,
        samplingFrequencyHertz: 250,
        millivoltsScalingFactor: 1000,
        resultClassification,
        waveformSamples: [12, 15, 9],
      },
    });
    expect(toRecords('electrocardiogram', ecg('NORMAL_SINUS_RHYTHM'), ctx)).toEqual([
      {
        ...base,
        type: 'ecg',
        nativeId: 'users/1/dataTypes/electrocardiogram/dataPoints/e1',
        timing: { kind: 'instant', at: '2026-11-21T09:00:00.000Z', offsetMinutes: 0 },
        samplingFrequencyHz: 250,
        samples: [12, 15, 9],
        factor: 0.001,
        unit: 'mV',
        lead: 'I',
        classification: 'sinus_rhythm',
        heartRateBpm: 72,
      },
    ]);
    const classify = (c: string, lead?: number) => toRecords('electrocardiogram', ecg(c, lead), ctx)[0];
    expect(classify('ATRIAL_FIBRILLATION')).toMatchObject({ classification: 'atrial_fibrillation' });
    expect(classify('INCONCLUSIVE_HIGH_HEART_RATE')).toMatchObject({ classification: 'inconclusive' });
    expect(classify('UNREADABLE')).toMatchObject({ classification: 'unclassified' });
    expect(classify('NOT_ANALYZED', 2)).toMatchObject({
      classification: 'unclassified',
      lead: 'unspecified',
    });
  });

  it('should drop points whose values are missing or malformed instead of failing', () => {
    expect(toRecords('steps', { steps: { interval: { startTime: '2026-11-21T14:00:00Z' } } }, ctx)).toEqual(
      [],
    );
    expect(toRecords('heart-rate', { heartRate: { beatsPerMinute: 'x', sampleTime: {} } }, ctx)).toEqual([]);
    expect(
      toRecords(
        'electrocardiogram',
        { electrocardiogram: { interval: { startTime: '2026-11-21T09:00:00Z' }, waveformSamples: [1] } },
        ctx,
      ),
    ).toEqual([]);
  });

  it('should read offsets and paired devices', () => {
    expect([offsetMinutes('3600s'), offsetMinutes('-18000s'), offsetMinutes(undefined)]).toEqual([
      60, -300, 0,
    ]);
    expect(
      toDevice({
        name: 'users/me/pairedDevices/123',
        deviceType: 'TRACKER',
        deviceVersion: 'Charge 6',
        batteryLevel: 74,
        batteryStatus: 'High',
        lastSyncTime: '2026-11-22T07:41:12Z',
        features: ['STEPS'],
      }),
    ).toEqual({
      provider: 'fitbit',
      nativeId: '123',
      manufacturer: 'Google',
      kind: 'activity_tracker',
      model: 'Charge 6',
      batteryPercent: 74,
      batteryLevel: 'high',
      lastSyncAt: '2026-11-22T07:41:12.000Z',
      active: true,
    });
    expect(
      toDevice({ name: 'users/me/pairedDevices/9', deviceType: 'SCALE', batteryStatus: 'Medium' }),
    ).toMatchObject({
      kind: 'scale',
      batteryLevel: 'medium',
    });
  });

  it('should build each documented filter shape from a window', () => {
    const w = { start: new Date('2026-11-20T10:00:00Z'), end: new Date('2026-11-21T00:00:00Z') };
    expect(filterFor('steps', w)).toBe(
      'steps.interval.start_time >= "2026-11-20T10:00:00.000Z" AND steps.interval.start_time < "2026-11-21T00:00:00.000Z"',
    );
    expect(filterFor('heart-rate', w)).toContain('heart_rate.sample_time.physical_time >= ');
    expect(filterFor('sleep', w)).toContain('sleep.interval.end_time < "2026-11-21T00:00:00.000Z"');
    expect(filterFor('electrocardiogram', w)).toBe(
      'electrocardiogram.interval.start_time >= "2026-11-20T10:00:00.000Z"',
    );
    expect(filterFor('daily-resting-heart-rate', w)).toBe(
      'daily_resting_heart_rate.date >= "2026-11-20" AND daily_resting_heart_rate.date < "2026-11-21"',
    );
  });
});
