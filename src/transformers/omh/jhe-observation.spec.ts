import { describe, expect, it } from 'vitest';
import { assertValidR5 } from '../../../test/support/fhir-schema.js';
import { omhProblem } from '../../../test/simulators/jhe/omh-checks.js';
import type { NormalizedRecord } from '../../common/domain/records.js';
import { OMH_SYSTEM, toJheObservations, type JheContext } from './jhe-observation.js';
import { localDateTime } from './omh-data-point.js';

const ctx: JheContext = { identifierBase: 'https://ohe.test', patientId: '10001', dataSourceId: '70001' };
const base = { provider: 'withings', patient: { ehrUserId: 'user-1', fhirPatientId: 'p1' } } as const;
const instant = { kind: 'instant', at: '2026-11-22T10:30:00.000Z', offsetMinutes: 60 } as const;
const day = {
  kind: 'period',
  start: '2026-11-21T23:00:00.000Z',
  end: '2026-11-22T23:00:00.000Z',
  offsetMinutes: 60,
} as const;

const RECORDS: Array<[string, NormalizedRecord, string]> = [
  [
    'heart rate',
    { ...base, type: 'heart_rate', nativeId: 'hr1', timing: instant, bpm: 61 },
    'omh:heart-rate:2.0',
  ],
  [
    'resting heart rate',
    { ...base, type: 'resting_heart_rate', nativeId: 'r1', timing: day, bpm: 55 },
    'omh:heart-rate:2.0',
  ],
  ['steps', { ...base, type: 'steps', nativeId: 's1', timing: day, count: 8042 }, 'omh:step-count:3.0'],
  [
    'spo2',
    { ...base, type: 'spo2', nativeId: 'o1', timing: instant, percent: 97 },
    'omh:oxygen-saturation:2.0',
  ],
  ['weight', { ...base, type: 'weight', nativeId: 'w1', timing: instant, kg: 72.35 }, 'omh:body-weight:3.0'],
  [
    'temperature',
    { ...base, type: 'body_temperature', nativeId: 't1', timing: instant, celsius: 36.8, site: 'body' },
    'omh:body-temperature:4.0',
  ],
  [
    'blood pressure',
    {
      ...base,
      type: 'blood_pressure',
      nativeId: 'b1',
      timing: instant,
      systolicMmHg: 121,
      diastolicMmHg: 79,
    },
    'omh:blood-pressure:4.0',
  ],
  [
    'sleep',
    { ...base, type: 'sleep', nativeId: 'z1', timing: day, asleepMinutes: 412 },
    'omh:sleep-duration:2.0',
  ],
];

function decode(data: string | undefined): unknown {
  return JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8'));
}

describe(toJheObservations.name, () => {
  it.each(RECORDS)('should wrap %s as a valid R5 Observation that JHE accepts', (_name, record, code) => {
    const [out, ...rest] = toJheObservations(record, ctx);
    expect(rest).toEqual([]);
    const obs = out!.resource;
    assertValidR5(obs as unknown as { resourceType: string } & Record<string, unknown>);
    expect(obs.code.coding).toEqual([{ system: OMH_SYSTEM, code }]);
    expect(obs.subject).toEqual({ reference: 'Patient/10001' });
    expect(obs.device).toEqual({ reference: 'Device/70001' });
    expect(obs.valueAttachment?.contentType).toBe('application/json');
    expect(omhProblem(code, decode(obs.valueAttachment?.data))).toBeUndefined();
  });

  it('should keep the measurement time in its own UTC offset', () => {
    const [out] = toJheObservations(RECORDS[0]![1], ctx);
    const point = decode(out!.resource.valueAttachment?.data) as { body: { effective_time_frame: unknown } };
    expect(point.body.effective_time_frame).toEqual({ date_time: '2026-11-22T11:30:00.000+01:00' });
  });

  it('should be deterministic and patient-scoped', () => {
    const record = RECORDS[0]![1];
    const a = toJheObservations(record, ctx)[0]!;
    expect(toJheObservations(record, ctx)[0]).toEqual(a);
    const other = toJheObservations(
      { ...record, patient: { ehrUserId: 'user-2', fhirPatientId: 'p2' } },
      ctx,
    )[0]!;
    expect(other.identifier.value).not.toBe(a.identifier.value);
    expect(a.identifier).toEqual({
      system: 'https://ohe.test/fhir/identifier/withings/heart_rate-omh',
      value: 'user-1:hr1',
    });
    expect((decode(a.resource.valueAttachment?.data) as { header: { uuid: string } }).header.uuid).toBe(
      a.fullUrl.replace('urn:uuid:', ''),
    );
  });

  it('should send RR intervals one per data point, with the window heart rate', () => {
    const rr: NormalizedRecord = {
      ...base,
      type: 'rr_intervals',
      nativeId: 'rr1',
      timing: {
        kind: 'period',
        start: '2026-11-22T10:00:00Z',
        end: '2026-11-22T10:00:03Z',
        offsetMinutes: 0,
      },
      intervalsMs: [812, 790, 805],
      heartRateBpm: 75,
    };
    const out = toJheObservations(rr, ctx);
    expect(out.map((o) => o.resource.code.coding?.[0]?.code)).toEqual([
      'omh:heart-rate:2.0',
      'omh:rr-interval:1.0',
      'omh:rr-interval:1.0',
      'omh:rr-interval:1.0',
    ]);
    expect(new Set(out.map((o) => o.identifier.value)).size).toBe(4);
  });

  it.each([
    [
      'ecg',
      {
        ...base,
        type: 'ecg',
        nativeId: 'e1',
        timing: instant,
        samplingFrequencyHz: 300,
        samples: [1, 2],
        factor: 1,
        unit: 'uV',
        lead: 'I',
        classification: 'sinus_rhythm',
      },
    ],
    ['hrv', { ...base, type: 'hrv', nativeId: 'h1', timing: instant, metric: 'rmssd', ms: 42 }],
    ['body fat', { ...base, type: 'body_fat', nativeId: 'f1', timing: instant, percent: 21 }],
    [
      'skin temperature',
      { ...base, type: 'body_temperature', nativeId: 't2', timing: instant, celsius: 33.1, site: 'skin' },
    ],
  ] satisfies Array<[string, NormalizedRecord]>)(
    'should leave out %s, which JHE has no schema for',
    (_n, record) => {
      expect(toJheObservations(record, ctx)).toEqual([]);
    },
  );
});

describe(localDateTime.name, () => {
  it.each([
    ['2026-11-22T10:30:00.000Z', 0, '2026-11-22T10:30:00.000+00:00'],
    ['2026-11-22T10:30:00.000Z', 330, '2026-11-22T16:00:00.000+05:30'],
    ['2026-11-22T03:00:00.000Z', -480, '2026-11-21T19:00:00.000-08:00'],
  ])('should render %s at offset %i as %s', (utc, offset, expected) => {
    expect(localDateTime(utc, offset)).toBe(expected);
  });
});
