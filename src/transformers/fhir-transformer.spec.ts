import type { Observation } from 'fhir/r5.js';
import { describe, expect, it } from 'vitest';
import { assertPublishable, loadGolden, loincCheckDigitValid } from '../../test/fixtures/fhir/golden.js';
import type { NormalizedRecord } from '../common/domain/records.js';
import { transformRecords, type FhirTransformContext } from './fhir-transformer.js';
import type { TransformedResource } from './transformed-resource.js';

const ctx: FhirTransformContext = { issued: '2026-11-22T12:00:00Z', aggregation: 'INDIVIDUAL' };
const patient = { ehrUserId: 'ehr-user-42', fhirPatientId: '1001' };
const at = { kind: 'instant', at: '2026-11-22T10:00:00Z', offsetMinutes: 0 } as const;
const day = {
  kind: 'period',
  start: '2026-11-22T00:00:00Z',
  end: '2026-11-23T00:00:00Z',
  offsetMinutes: 0,
} as const;
const base = { provider: 'withings', patient, nativeId: 'n1', timing: at } as const;

const observation = (r: TransformedResource): Observation => r.resource as Observation;
const codes = (concept: Observation['code']): string[] =>
  (concept.coding ?? []).map((c) => `${c.system ?? ''}|${c.code ?? ''}`);
const codesOf = (o: Observation): string[] => codes(o.code);

/** One golden fixture per data type, in test/fixtures/fhir/. */
const RECORD_GOLDENS = [
  'heart-rate',
  'resting-heart-rate',
  'steps',
  'rr-intervals',
  'hrv',
  'ecg',
  'blood-pressure',
  'weight',
  'body-fat',
  'body-temperature',
  'spo2',
  'sleep',
];

describe(transformRecords.name, () => {
  it.each([...RECORD_GOLDENS, 'hourly'])(
    'should turn the %s golden input into exactly the golden FHIR resources',
    (name) => {
      const golden = loadGolden<NormalizedRecord, FhirTransformContext>(name);
      const out = transformRecords(golden.input, golden.context);
      assertPublishable(out);
      expect(out).toStrictEqual(golden.expected);
    },
  );

  it.each<[string, NormalizedRecord, string, string[], string | undefined]>([
    [
      'heart rate',
      { ...base, type: 'heart_rate', bpm: 61 },
      'vital-signs',
      ['http://loinc.org|8867-4'],
      '/min',
    ],
    [
      'resting heart rate',
      { ...base, type: 'resting_heart_rate', timing: day, bpm: 55 },
      'vital-signs',
      ['http://loinc.org|40443-4'],
      '/min',
    ],
    [
      'steps (instant)',
      { ...base, type: 'steps', count: 12 },
      'activity',
      ['http://loinc.org|55423-8'],
      '{steps}',
    ],
    [
      'steps (24 h)',
      { ...base, type: 'steps', timing: day, count: 9000 },
      'activity',
      ['http://loinc.org|41950-7'],
      '{steps}',
    ],
    ['weight', { ...base, type: 'weight', kg: 70 }, 'vital-signs', ['http://loinc.org|29463-7'], 'kg'],
    [
      'body fat',
      { ...base, type: 'body_fat', percent: 20 },
      'vital-signs',
      ['http://loinc.org|41982-0'],
      '%',
    ],
    [
      'body temperature',
      { ...base, type: 'body_temperature', celsius: 36.6, site: 'body' },
      'vital-signs',
      ['http://loinc.org|8310-5'],
      'Cel',
    ],
    [
      'skin temperature',
      { ...base, type: 'body_temperature', celsius: 33, site: 'skin' },
      'vital-signs',
      ['http://loinc.org|39106-0'],
      'Cel',
    ],
    [
      'spo2',
      { ...base, type: 'spo2', percent: 98 },
      'vital-signs',
      ['http://loinc.org|2708-6', 'http://loinc.org|59408-5'],
      '%',
    ],
    [
      'hrv sdnn',
      { ...base, type: 'hrv', metric: 'sdnn', ms: 50 },
      'vital-signs',
      ['http://loinc.org|80404-7'],
      'ms',
    ],
    [
      'hrv rmssd',
      { ...base, type: 'hrv', metric: 'rmssd', ms: 40 },
      'vital-signs',
      ['https://open-health-exchange.org/fhir/CodeSystem/ohe-observation|hrv-rmssd'],
      'ms',
    ],
    [
      'sleep',
      { ...base, type: 'sleep', timing: day, asleepMinutes: 400 },
      'activity',
      ['http://loinc.org|93832-4'],
      'min',
    ],
    [
      'blood pressure',
      { ...base, type: 'blood_pressure', systolicMmHg: 120, diastolicMmHg: 80 },
      'vital-signs',
      ['http://loinc.org|85354-9'],
      undefined,
    ],
  ])('should code %s with its category, code and UCUM unit', (_name, record, cat, codes, unit) => {
    const out = transformRecords([record], ctx);
    assertPublishable(out);
    expect(out).toHaveLength(1);
    const obs = observation(out[0]!);
    expect(obs.status).toBe('final');
    expect(obs.category?.[0]?.coding).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: cat },
    ]);
    expect(codesOf(obs)).toEqual(codes);
    if (unit === undefined) {
      expect(obs.valueQuantity).toBeUndefined();
    } else {
      expect(obs.valueQuantity).toMatchObject({ unit, code: unit, system: 'http://unitsofmeasure.org' });
    }
  });

  it('should publish a blood pressure without pulse as the panel alone, components in mm[Hg]', () => {
    const out = transformRecords(
      [{ ...base, type: 'blood_pressure', systolicMmHg: 118, diastolicMmHg: 76 }],
      ctx,
    );
    assertPublishable(out);
    expect(out).toHaveLength(1);
    expect(out[0]!.group).toBeUndefined();
    expect(observation(out[0]!).component?.map((c) => [codes(c.code), c.valueQuantity])).toEqual([
      [
        ['http://loinc.org|8480-6'],
        { value: 118, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      ],
      [
        ['http://loinc.org|8462-4'],
        { value: 76, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      ],
    ]);
  });

  it('should still publish the heart rate of an RR window that has no intervals, and nothing else', () => {
    const out = transformRecords(
      [{ ...base, type: 'rr_intervals', timing: day, intervalsMs: [], heartRateBpm: 70 }],
      ctx,
    );
    assertPublishable(out);
    expect(
      out.map((r) => [r.identifier.system, codesOf(observation(r)), observation(r).valueQuantity?.value]),
    ).toEqual([
      [
        'https://open-health-exchange.org/fhir/identifier/withings/rr_intervals-heart_rate',
        ['http://loinc.org|8867-4'],
        70,
      ],
    ]);
  });

  it('should keep RR SampledData on offsets only (sdd-1) with one offset per interval', () => {
    const intervals = [800.1, 800.2, 799.7, 812, 790.5];
    const out = transformRecords(
      [{ ...base, type: 'rr_intervals', timing: day, intervalsMs: intervals, heartRateBpm: 74 }],
      ctx,
    );
    const sampled = observation(out[0]!).valueSampledData!;
    expect(sampled.interval).toBeUndefined();
    expect(sampled.offsets).toBe('800.1 1600.3 2400 3212 4002.5');
    expect(sampled.data).toBe('800.1 800.2 799.7 812 790.5');
    expect(out.map((r) => r.group)).toEqual([out[0]!.fullUrl, out[0]!.fullUrl]);
  });

  it('should leave out sleep components the provider did not report', () => {
    const out = transformRecords(
      [{ ...base, type: 'sleep', timing: day, asleepMinutes: 380, stages: { remMinutes: 90 } }],
      ctx,
    );
    assertPublishable(out);
    expect(
      observation(out[0]!).component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value]),
    ).toEqual([['93829-0', 90]]);
    const bare = transformRecords([{ ...base, type: 'sleep', timing: day, asleepMinutes: 380 }], ctx);
    expect(observation(bare[0]!).component).toBeUndefined();
  });

  it('should use the configured identifier base everywhere and tolerate a trailing slash', () => {
    const out = transformRecords(
      [{ ...base, type: 'hrv', metric: 'rmssd', ms: 40, device: { provider: 'withings', nativeId: 'd1' } }],
      {
        ...ctx,
        identifierBase: 'https://ehr.example.org/ohe/',
      },
    );
    const obs = observation(out[0]!);
    expect(out[0]!.identifier.system).toBe('https://ehr.example.org/ohe/fhir/identifier/withings/hrv-rmssd');
    expect(obs.meta?.source).toBe('https://ehr.example.org/ohe/sources/withings');
    expect(obs.code.coding?.[0]?.system).toBe('https://ehr.example.org/ohe/fhir/CodeSystem/ohe-observation');
  });

  it('should produce identical output for identical input', () => {
    const golden = loadGolden<NormalizedRecord, FhirTransformContext>('ecg');
    expect(transformRecords(golden.input, golden.context)).toStrictEqual(
      transformRecords(golden.input, golden.context),
    );
  });

  it('should share only frozen terminology and references, so editing one resource cannot change another', () => {
    const golden = loadGolden<NormalizedRecord, FhirTransformContext>('hrv');
    const [sdnn, rmssd] = transformRecords(golden.input, golden.context).map(observation);
    expect(rmssd!.subject).toBe(sdnn!.subject);
    expect(rmssd!.device).toBe(sdnn!.device);
    expect(rmssd!.category![0]).toBe(sdnn!.category![0]);
    for (const shared of [sdnn!.code, sdnn!.subject, sdnn!.device, sdnn!.category![0]]) {
      expect(Object.isFrozen(shared)).toBe(true);
    }
    expect(() => sdnn!.code.coding?.push({ code: 'x' })).toThrow(TypeError);
    expect(() => {
      sdnn!.subject!.reference = 'Patient/other';
    }).toThrow(TypeError);
    // What is the resource's own stays editable and unshared.
    expect(rmssd!.meta).not.toBe(sdnn!.meta);
    expect(rmssd!.valueQuantity).not.toBe(sdnn!.valueQuantity);
    sdnn!.meta!.tag = [{ code: 'edited' }];
    expect(rmssd!.meta).toEqual({ source: 'https://open-health-exchange.org/sources/fitbit' });
  });

  it('should emit only LOINC codes with a valid check digit', () => {
    const loinc = new Set<string>();
    for (const name of RECORD_GOLDENS) {
      const golden = loadGolden<NormalizedRecord, FhirTransformContext>(name);
      JSON.stringify(transformRecords(golden.input, golden.context), (key, value: unknown) => {
        if (key === 'coding' && Array.isArray(value)) {
          for (const c of value as Array<{ system?: string; code?: string }>) {
            if (c.system === 'http://loinc.org' && c.code !== undefined) {
              loinc.add(c.code);
            }
          }
        }
        return value;
      });
    }
    expect(loinc.size).toBe(20);
    expect([...loinc].filter((code) => !loincCheckDigitValid(code))).toEqual([]);
    expect(loincCheckDigitValid('8867-5')).toBe(false);
  });

  it('should reject a record whose instant is not a date', () => {
    expect(() =>
      transformRecords([{ ...base, type: 'heart_rate', bpm: 60, timing: { ...at, at: 'yesterday' } }], ctx),
    ).toThrow(RangeError);
  });
});
