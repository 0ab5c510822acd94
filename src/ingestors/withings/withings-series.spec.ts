import { describe, expect, it } from 'vitest';
import type { DataType } from '../../common/domain/data-type.js';
import type { RecordScope } from './withings-measures.js';
import {
  activityRecords,
  deviceRecord,
  ecgRecord,
  intradayRecords,
  sleepRecords,
} from './withings-series.js';

const patient = { ehrUserId: 'u1', fhirPatientId: 'p1' };
const DEV = '892359876fd8805ac45bab078c4828692f0276b1';
const scope = (types: DataType[], start: string, end: string): RecordScope => ({
  patient,
  wanted: new Set(types),
  window: { start: new Date(start), end: new Date(end) },
});

describe('Withings series decoding', () => {
  it('should read the intraday object keyed by epoch, sparse fields, device zone and window', () => {
    // Shape of research A5 (2024-06-01T10:00:00Z and +60 s), plus a night entry with SpO2 and HRV.
    const series = {
      '1717236060': { deviceid: DEV, model: 'ScanWatch', model_id: 93, heart_rate: 64 },
      '1717236000': {
        deviceid: DEV,
        model: 'ScanWatch',
        model_id: 93,
        heart_rate: 62,
        steps: 14,
        duration: 60,
      },
      '1717237000': { deviceid: DEV, spo2_auto: 96, rmssd: 41, sdnn1: 55 },
      '1717300000': { deviceid: DEV, heart_rate: 70 },
    };
    const out = intradayRecords(
      series,
      scope(['heart_rate', 'steps', 'spo2', 'hrv'], '2024-06-01T10:00:00Z', '2024-06-01T11:00:00Z'),
      (id) => (id === DEV ? 'Europe/Paris' : undefined),
    );
    const device = { provider: 'withings', nativeId: DEV };
    expect(out).toEqual([
      {
        provider: 'withings',
        patient,
        device,
        nativeId: 'intraday-hr:2024-06-01T10:00:00Z',
        type: 'heart_rate',
        bpm: 62,
        timing: { kind: 'instant', at: '2024-06-01T10:00:00Z', offsetMinutes: 120 },
      },
      {
        provider: 'withings',
        patient,
        device,
        nativeId: 'intraday-steps:2024-06-01T10:00:00Z',
        type: 'steps',
        count: 14,
        timing: {
          kind: 'period',
          start: '2024-06-01T10:00:00Z',
          end: '2024-06-01T10:01:00Z',
          offsetMinutes: 120,
        },
      },
      {
        provider: 'withings',
        patient,
        device,
        nativeId: 'intraday-hr:2024-06-01T10:01:00Z',
        type: 'heart_rate',
        bpm: 64,
        timing: { kind: 'instant', at: '2024-06-01T10:01:00Z', offsetMinutes: 120 },
      },
      {
        provider: 'withings',
        patient,
        device,
        nativeId: 'intraday-spo2:2024-06-01T10:16:40Z',
        type: 'spo2',
        percent: 96,
        timing: { kind: 'instant', at: '2024-06-01T10:16:40Z', offsetMinutes: 120 },
      },
      {
        provider: 'withings',
        patient,
        device,
        nativeId: 'intraday-rmssd:2024-06-01T10:16:40Z',
        type: 'hrv',
        metric: 'rmssd',
        ms: 41,
        timing: { kind: 'instant', at: '2024-06-01T10:16:40Z', offsetMinutes: 120 },
      },
      {
        provider: 'withings',
        patient,
        device,
        nativeId: 'intraday-sdnn:2024-06-01T10:16:40Z',
        type: 'hrv',
        metric: 'sdnn',
        ms: 55,
        timing: { kind: 'instant', at: '2024-06-01T10:16:40Z', offsetMinutes: 120 },
      },
    ]);
    expect(
      intradayRecords(
        [],
        scope(['heart_rate'], '2024-06-01T10:00:00Z', '2024-06-02T10:00:00Z'),
        () => undefined,
      ),
    ).toEqual([]);
  });

  it('should make a daily step total the 24 h from local midnight, kept while it overlaps the window', () => {
    const days = [
      { date: '2026-11-20', timezone: 'America/New_York', steps: 8123, deviceid: DEV },
      { date: '2026-11-21', timezone: 'America/New_York', steps: 4000, deviceid: DEV },
      { date: '2026-11-22', timezone: 'America/New_York', steps: 10 },
    ];
    const out = activityRecords(days, scope(['steps'], '2026-11-21T04:00:00Z', '2026-11-21T06:00:00Z'));
    expect(out).toEqual([
      {
        provider: 'withings',
        patient,
        device: { provider: 'withings', nativeId: DEV },
        nativeId: 'activity:2026-11-20',
        type: 'steps',
        count: 8123,
        timing: {
          kind: 'period',
          start: '2026-11-20T05:00:00Z',
          end: '2026-11-21T05:00:00Z',
          offsetMinutes: -300,
        },
      },
      {
        provider: 'withings',
        patient,
        device: { provider: 'withings', nativeId: DEV },
        nativeId: 'activity:2026-11-21',
        type: 'steps',
        count: 4000,
        timing: {
          kind: 'period',
          start: '2026-11-21T05:00:00Z',
          end: '2026-11-22T05:00:00Z',
          offsetMinutes: -300,
        },
      },
    ]);
  });

  it('should build an ECG from heart list + get with every sample and the classification', () => {
    // heart list entry of research A6 (2020-07-07T22:07:24Z).
    const entry = {
      deviceid: DEV,
      model: 93,
      ecg: { signalid: 48, afib: 1 },
      heart_rate: 63,
      timestamp: 1594159644,
      modified: 1594159644,
      timezone: 'Europe/Paris',
    };
    const signal = {
      signal: [12, -15, 9, 1100],
      sampling_frequency: 300,
      wearposition: 1,
      model: 93,
      heart_rate: 63,
    };
    const s = scope(['ecg'], '2020-07-07T00:00:00Z', '2020-07-08T00:00:00Z');
    expect(ecgRecord(entry, signal, s)).toEqual({
      provider: 'withings',
      patient,
      device: { provider: 'withings', nativeId: DEV },
      nativeId: '48',
      type: 'ecg',
      timing: { kind: 'instant', at: '2020-07-07T22:07:24Z', offsetMinutes: 120 },
      samplingFrequencyHz: 300,
      samples: [12, -15, 9, 1100],
      factor: 1,
      unit: 'uV',
      lead: 'I',
      classification: 'atrial_fibrillation',
      heartRateBpm: 63,
    });
    const other = ecgRecord(
      { ...entry, ecg: { signalid: 49, afib: 7 }, heart_rate: undefined },
      { ...signal, heart_rate: { value: 70 } },
      s,
    );
    expect(other).toMatchObject({ classification: 'unclassified', heartRateBpm: 70 });
    expect(ecgRecord({ ...entry, ecg: { signalid: 50, afib: 0 } }, signal, s)).toMatchObject({
      classification: 'sinus_rhythm',
    });
    expect(ecgRecord({ ...entry, ecg: { signalid: 51, afib: 2 } }, signal, s)).toMatchObject({
      classification: 'inconclusive',
    });
  });

  it('should map a sleep summary to a session with stage minutes', () => {
    const series = [
      {
        id: 2081804182,
        timezone: 'Europe/Paris',
        model: 32,
        model_id: 63,
        hash_deviceid: DEV,
        startdate: 1594245600,
        enddate: 1594272000,
        date: '2020-07-09',
        modified: 1594272300,
        data: {
          wakeupduration: 1800,
          lightsleepduration: 12000,
          deepsleepduration: 6000,
          remsleepduration: 5400,
          total_sleep_time: 23400,
        },
      },
    ];
    expect(sleepRecords(series, scope(['sleep'], '2020-07-09T00:00:00Z', '2020-07-10T00:00:00Z'))).toEqual([
      {
        provider: 'withings',
        patient,
        device: { provider: 'withings', nativeId: DEV },
        nativeId: 'sleep:2081804182',
        type: 'sleep',
        timing: {
          kind: 'period',
          start: '2020-07-08T22:00:00Z',
          end: '2020-07-09T05:20:00Z',
          offsetMinutes: 120,
        },
        asleepMinutes: 390,
        stages: { deepMinutes: 100, lightMinutes: 200, remMinutes: 90, awakeMinutes: 30 },
      },
    ]);
    expect(sleepRecords(series, scope(['sleep'], '2020-07-10T00:00:00Z', '2020-07-11T00:00:00Z'))).toEqual(
      [],
    );
  });

  it('should map devices (captured Body+) and the kinds and battery levels', () => {
    const body =
      JSON.parse(`{"type":"Scale","battery":"high","model":"Body+","model_id":5,"timezone":"Europe/Amsterdam",
      "first_session_date":null,"last_session_date":1693867179,"deviceid":"f998be4b9ccc9e136fd8cd8e8e344c31ec3b271d",
      "hash_deviceid":"f998be4b9ccc9e136fd8cd8e8e344c31ec3b271d"}`) as Record<string, unknown>;
    expect(deviceRecord(body)).toEqual({
      provider: 'withings',
      nativeId: 'f998be4b9ccc9e136fd8cd8e8e344c31ec3b271d',
      manufacturer: 'Withings',
      kind: 'scale',
      model: 'Body+',
      modelNumber: '5',
      batteryLevel: 'high',
      lastSyncAt: '2023-09-04T22:39:39Z',
      active: true,
    });
    const kinds = [
      'Blood Pressure Monitor',
      'Activity Tracker',
      'Sleep Monitor',
      'Smart Connected Thermometer',
      'Gateway',
    ].map((type) => deviceRecord({ ...body, type, battery: 'unknown', fw: '2960' }));
    expect(kinds.map((d) => d?.kind)).toEqual([
      'blood_pressure_monitor',
      'activity_tracker',
      'sleep_monitor',
      'thermometer',
      'other',
    ]);
    expect(kinds[0]).not.toHaveProperty('batteryLevel');
    expect(kinds[0]?.firmwareVersion).toBe('2960');
    expect(deviceRecord({ type: 'Scale' })).toBeUndefined();
  });
});
