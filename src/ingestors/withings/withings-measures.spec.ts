import { describe, expect, it } from 'vitest';
import type { DataType } from '../../common/domain/data-type.js';
import { decodeValue, measureGroupRecords, meastypesFor, type RecordScope } from './withings-measures.js';
import { localMidnight, offsetMinutes } from './withings-time.js';

const patient = { ehrUserId: 'u1', fhirPatientId: 'p1' };
const window = { start: new Date('2021-01-01T00:00:00Z'), end: new Date('2024-01-01T00:00:00Z') };
const scope = (...types: DataType[]): RecordScope => ({
  patient,
  window,
  wanted: new Set<DataType>(
    types.length > 0
      ? types
      : ['blood_pressure', 'heart_rate', 'weight', 'body_fat', 'spo2', 'body_temperature'],
  ),
});

// Captured BP group (aiowithings measurement_list.json, research A4).
const BP_GROUP =
  JSON.parse(`{"grpid":2726388728,"attrib":17,"date":1620039631,"created":1620237692,"modified":1620237692,
 "category":1,"deviceid":"91a7e556c2022ef54dca6e07a853c3193734d148","hash_deviceid":"91a7e556c2022ef54dca6e07a853c3193734d148",
 "measures":[{"value":10600,"type":9,"unit":-2,"algo":0,"fm":128},{"value":14300,"type":10,"unit":-2,"algo":0,"fm":128},
 {"value":8200,"type":11,"unit":-2,"algo":0,"fm":128}],"modelid":45,"model":"BPM Connect","comment":null}`) as unknown;
// Captured weight group (aiowithings measurement.json), body timezone Europe/Amsterdam.
const WEIGHT_GROUP =
  JSON.parse(`{"grpid":4815757309,"attrib":0,"date":1693651151,"created":1693651185,"modified":1693651185,
 "category":1,"deviceid":"f998be4b9ccc9e136fd8cd8e8e344c31ec3b271d","hash_deviceid":"f998be4b9ccc9e136fd8cd8e8e344c31ec3b271d",
 "measures":[{"value":118003,"type":1,"unit":-3,"algo":3,"fm":3}],"modelid":5,"model":"Body+","comment":null}`) as unknown;

describe('Withings measure decoding', () => {
  it.each([
    [118003, -3, 118.003],
    [10600, -2, 106],
    [97, 0, 97],
    [3685, -2, 36.85],
    [22450, -3, 22.45],
    [12, 1, 120],
  ])('should decode value %i unit %i as %d', (value, unit, expected) => {
    expect(decodeValue(value, unit)).toBe(expected);
  });

  it('should pair systolic, diastolic and pulse of one group into one blood pressure reading', () => {
    expect(measureGroupRecords(BP_GROUP, 'Europe/Amsterdam', scope())).toEqual([
      {
        type: 'blood_pressure',
        provider: 'withings',
        patient,
        nativeId: '2726388728:bp',
        timing: { kind: 'instant', at: '2021-05-03T11:00:31Z', offsetMinutes: 120 },
        device: { provider: 'withings', nativeId: '91a7e556c2022ef54dca6e07a853c3193734d148' },
        systolicMmHg: 143,
        diastolicMmHg: 106,
        pulseBpm: 82,
      },
    ]);
  });

  it('should not turn a cuff pulse into a separate heart rate, but should a scale pulse', () => {
    expect(measureGroupRecords(BP_GROUP, undefined, scope('heart_rate'))).toEqual([]);
    const scale = {
      ...(WEIGHT_GROUP as object),
      measures: [{ value: 64, type: 11, unit: 0, algo: 0, fm: 3 }],
    };
    const [hr] = measureGroupRecords(scale, 'Europe/Amsterdam', scope('heart_rate'));
    expect(hr).toMatchObject({ type: 'heart_rate', bpm: 64, nativeId: '4815757309:11' });
  });

  it('should decode the captured weight with the timezone offset of that instant', () => {
    expect(measureGroupRecords(WEIGHT_GROUP, 'Europe/Amsterdam', scope())).toEqual([
      {
        type: 'weight',
        provider: 'withings',
        patient,
        nativeId: '4815757309:1',
        timing: { kind: 'instant', at: '2023-09-02T10:39:11Z', offsetMinutes: 120 },
        device: { provider: 'withings', nativeId: 'f998be4b9ccc9e136fd8cd8e8e344c31ec3b271d' },
        kg: 118.003,
      },
    ]);
  });

  it('should map fat ratio, SpO2 and body vs skin temperature, and skip unwanted types and objectives', () => {
    const group = {
      grpid: 1,
      date: 1693651151,
      category: 1,
      deviceid: null,
      measures: [
        { value: 22450, type: 6, unit: -3 },
        { value: 97, type: 54, unit: 0 },
        { value: 3685, type: 71, unit: -2 },
        { value: 3390, type: 73, unit: -2 },
        { value: 3700, type: 12, unit: -2 },
        { value: 70000, type: 8, unit: -3 },
      ],
    };
    const out = measureGroupRecords(group, 'UTC', scope());
    expect(out.map((r) => [r.type, r.nativeId])).toEqual([
      ['body_fat', '1:6'],
      ['spo2', '1:54'],
      ['body_temperature', '1:12'],
      ['body_temperature', '1:71'],
      ['body_temperature', '1:73'],
    ]);
    expect(out[0]).toMatchObject({ percent: 22.45 });
    expect(out[0]).not.toHaveProperty('device');
    expect(out.slice(2).map((r) => (r.type === 'body_temperature' ? [r.celsius, r.site] : []))).toEqual([
      [37, 'body'],
      [36.85, 'body'],
      [33.9, 'skin'],
    ]);
    expect(measureGroupRecords(group, 'UTC', scope('spo2')).map((r) => r.type)).toEqual(['spo2']);
    expect(measureGroupRecords({ ...group, category: 2 }, 'UTC', scope())).toEqual([]);
    expect(measureGroupRecords({ ...group, date: 1_800_000_000 }, 'UTC', scope())).toEqual([]);
  });

  it('should ask getmeas for pressures whenever pulse is asked, and nothing for non-getmeas types', () => {
    expect(meastypesFor(new Set<DataType>(['heart_rate']))).toEqual([9, 10, 11]);
    expect(meastypesFor(new Set<DataType>(['weight', 'body_temperature']))).toEqual([1, 12, 71, 73]);
    expect(meastypesFor(new Set<DataType>(['steps', 'ecg', 'sleep']))).toEqual([]);
  });
});

describe('Withings timezones', () => {
  it.each([
    ['Europe/Amsterdam', '2026-01-15T12:00:00Z', 60],
    ['Europe/Amsterdam', '2026-07-15T12:00:00Z', 120],
    ['America/New_York', '2026-01-15T12:00:00Z', -300],
    ['Asia/Kolkata', '2026-01-15T12:00:00Z', 330],
    ['UTC', '2026-01-15T12:00:00Z', 0],
    ['Not/AZone', '2026-01-15T12:00:00Z', 0],
    [undefined, '2026-01-15T12:00:00Z', 0],
  ])('should give %s an offset at %s of %i min', (tz, at, expected) => {
    expect(offsetMinutes(tz, Date.parse(at))).toBe(expected);
  });

  it('should find local midnight across a DST change', () => {
    // 2026-03-29: Amsterdam moves from +01:00 to +02:00 at 01:00Z; midnight is still +01:00.
    expect(new Date(localMidnight('2026-03-29', 'Europe/Amsterdam') ?? 0).toISOString()).toBe(
      '2026-03-28T23:00:00.000Z',
    );
    expect(new Date(localMidnight('2026-03-30', 'Europe/Amsterdam') ?? 0).toISOString()).toBe(
      '2026-03-29T22:00:00.000Z',
    );
    expect(localMidnight('29-03-2026', 'UTC')).toBeUndefined();
  });
});
