import type { Observation } from 'fhir/r5.js';
import { describe, expect, it } from 'vitest';
import { assertPublishable } from '../../test/fixtures/fhir/golden.js';
import type { NormalizedRecord, Timing } from '../common/domain/records.js';
import { transformRecords, type FhirTransformContext } from './fhir-transformer.js';
import type { TransformedResource } from './transformed-resource.js';

const hourly: FhirTransformContext = { issued: '2026-11-22T12:00:00Z', aggregation: 'HOURLY' };
const patient = { ehrUserId: 'user-1', fhirPatientId: 'p1' };
const at = (iso: string): Timing => ({ kind: 'instant', at: iso, offsetMinutes: 0 });
const period = (start: string, end: string): Timing => ({ kind: 'period', start, end, offsetMinutes: 0 });
const hr = (nativeId: string, iso: string, bpm: number, provider = 'withings'): NormalizedRecord => ({
  type: 'heart_rate',
  provider,
  patient,
  nativeId,
  timing: at(iso),
  bpm,
});
const stats = (r: TransformedResource): Record<string, number | undefined> =>
  Object.fromEntries(
    ((r.resource as Observation).component ?? []).map((c) => [
      c.code.coding?.[0]?.code ?? '',
      c.valueQuantity?.value ?? c.valueInteger,
    ]),
  );
const segments = (out: TransformedResource[]): string[] =>
  out.map((r) => r.identifier.system.split('/').pop() ?? '');

const T = '2026-11-22T10:10:00Z';
const base = { provider: 'withings', patient, nativeId: 'n1', timing: at(T) } as const;

describe('hourly aggregation', () => {
  it.each<[string, string, NormalizedRecord]>([
    ['heart rate', 'heart_rate-hourly', { ...base, type: 'heart_rate', bpm: 60 }],
    [
      'steps',
      'steps-hourly',
      { ...base, type: 'steps', timing: period(T, '2026-11-22T10:25:00Z'), count: 5 },
    ],
    ['spo2', 'spo2-hourly', { ...base, type: 'spo2', percent: 97 }],
    ['hrv sdnn', 'hrv-sdnn-hourly', { ...base, type: 'hrv', metric: 'sdnn', ms: 50 }],
    ['hrv rmssd', 'hrv-rmssd-hourly', { ...base, type: 'hrv', metric: 'rmssd', ms: 40 }],
    ['resting heart rate', 'resting_heart_rate', { ...base, type: 'resting_heart_rate', bpm: 55 }],
    ['weight', 'weight', { ...base, type: 'weight', kg: 70 }],
    ['body fat', 'body_fat', { ...base, type: 'body_fat', percent: 20 }],
    ['temperature', 'body_temperature', { ...base, type: 'body_temperature', celsius: 36.6, site: 'body' }],
    [
      'blood pressure',
      'blood_pressure',
      { ...base, type: 'blood_pressure', systolicMmHg: 120, diastolicMmHg: 80 },
    ],
    ['sleep', 'sleep', { ...base, type: 'sleep', asleepMinutes: 30 }],
  ])('should publish %s as %s', (_name, segment, record) => {
    const out = transformRecords([record], hourly);
    assertPublishable(out);
    expect(segments(out)).toEqual([segment]);
  });

  it('should keep RR windows and ECGs individual, with their linked resources', () => {
    const out = transformRecords(
      [
        { ...base, type: 'rr_intervals', intervalsMs: [800], heartRateBpm: 75 },
        {
          ...base,
          type: 'ecg',
          samplingFrequencyHz: 300,
          samples: [1],
          factor: 1,
          unit: 'uV',
          lead: 'I',
          classification: 'inconclusive',
        },
      ],
      hourly,
    );
    expect(segments(out)).toEqual(['rr_intervals', 'rr_intervals-heart_rate', 'ecg', 'ecg-waveform']);
  });

  it('should give the same identity to the same hour whatever the order or the batch, and update its figures', () => {
    const first = transformRecords(
      [hr('a', '2026-11-22T10:01:00Z', 60), hr('b', '2026-11-22T10:31:00Z', 80)],
      hourly,
    );
    const replay = transformRecords(
      [hr('b', '2026-11-22T10:31:00Z', 80), hr('a', '2026-11-22T10:01:00Z', 60)],
      hourly,
    );
    const later = transformRecords(
      [
        hr('a', '2026-11-22T10:01:00Z', 60),
        hr('b', '2026-11-22T10:31:00Z', 80),
        hr('c', '2026-11-22T10:59:00Z', 100),
      ],
      hourly,
    );
    expect(replay).toStrictEqual(first);
    expect([later[0]!.fullUrl, later[0]!.identifier]).toEqual([first[0]!.fullUrl, first[0]!.identifier]);
    expect(first[0]!.identifier.value).toBe('user-1:2026-11-22T10:00:00Z');
    expect(stats(first[0]!)).toEqual({ average: 70, minimum: 60, maximum: 80, count: 2 });
    expect(stats(later[0]!)).toEqual({ average: 80, minimum: 60, maximum: 100, count: 3 });
  });

  it.each([
    ['starts at the hour', '2026-11-22T10:00:00Z', '2026-11-22T10:00:00Z', ['heart_rate-hourly']],
    [
      'ends one millisecond before the next',
      '2026-11-22T10:59:59.999Z',
      '2026-11-22T10:00:00Z',
      ['heart_rate-hourly'],
    ],
  ])('should count an instant that %s in that hour', (_name, iso, hourStart, expected) => {
    const out = transformRecords([hr('a', iso, 60)], hourly);
    expect(segments(out)).toEqual(expected);
    expect(out[0]!.identifier.value).toBe(`user-1:${hourStart}`);
  });

  it.each([
    ['ends exactly at the next hour', '2026-11-22T10:45:00Z', '2026-11-22T11:00:00Z', ['steps-hourly']],
    ['crosses into the next hour', '2026-11-22T10:45:00Z', '2026-11-22T11:00:01Z', ['steps']],
    ['covers a whole day', '2026-11-22T00:00:00Z', '2026-11-23T00:00:00Z', ['steps']],
  ])('should aggregate a step interval that %s only if it fits the hour', (_name, start, end, expected) => {
    const out = transformRecords([{ ...base, type: 'steps', timing: period(start, end), count: 10 }], hourly);
    expect(segments(out)).toEqual(expected);
  });

  it('should keep providers, patients and metrics apart', () => {
    const out = transformRecords(
      [
        hr('a', T, 60),
        hr('a', T, 70, 'fitbit'),
        { ...hr('a', T, 80), patient: { ehrUserId: 'user-2', fhirPatientId: 'p2' } },
        { ...base, type: 'hrv', metric: 'sdnn', ms: 50 },
        { ...base, type: 'hrv', metric: 'rmssd', ms: 40 },
      ],
      hourly,
    );
    assertPublishable(out);
    expect(
      out.map((r) => `${r.identifier.system.replace(/^.*identifier\//, '')}|${r.identifier.value}`),
    ).toEqual([
      'withings/heart_rate-hourly|user-1:2026-11-22T10:00:00Z',
      'fitbit/heart_rate-hourly|user-1:2026-11-22T10:00:00Z',
      'withings/heart_rate-hourly|user-2:2026-11-22T10:00:00Z',
      'withings/hrv-sdnn-hourly|user-1:2026-11-22T10:00:00Z',
      'withings/hrv-rmssd-hourly|user-1:2026-11-22T10:00:00Z',
    ]);
  });

  it('should total steps as the value and as the sum statistic', () => {
    const out = transformRecords(
      [
        {
          ...base,
          nativeId: 's1',
          type: 'steps',
          timing: period('2026-11-22T10:00:00Z', '2026-11-22T10:01:00Z'),
          count: 40,
        },
        {
          ...base,
          nativeId: 's2',
          type: 'steps',
          timing: period('2026-11-22T10:01:00Z', '2026-11-22T10:02:00Z'),
          count: 2,
        },
      ],
      hourly,
    );
    const obs = out[0]!.resource as Observation;
    expect(obs.code.coding).toEqual([{ system: 'http://loinc.org', code: '55423-8' }]);
    expect(obs.valueQuantity).toEqual({
      value: 42,
      unit: '{steps}',
      system: 'http://unitsofmeasure.org',
      code: '{steps}',
    });
    expect(stats(out[0]!)).toEqual({ sum: 42, count: 2 });
    expect(obs.effectivePeriod).toEqual({
      start: '2026-11-22T10:00:00+00:00',
      end: '2026-11-22T11:00:00+00:00',
    });
  });

  it('should not aggregate at INDIVIDUAL granularity', () => {
    const out = transformRecords([hr('a', T, 60), hr('b', T, 70)], { ...hourly, aggregation: 'INDIVIDUAL' });
    expect(segments(out)).toEqual(['heart_rate', 'heart_rate']);
  });
});
