import { describe, expect, it } from 'vitest';
import { assertValidR5 } from '../../test/support/fhir-schema.js';
import { effectiveOf, fhirDateTime } from './fhir-time.js';

describe(fhirDateTime.name, () => {
  it.each([
    ['2026-11-22T10:30:00Z', 0, '2026-11-22T10:30:00+00:00'],
    ['2026-11-22T10:30:00.000Z', 60, '2026-11-22T11:30:00+01:00'],
    ['2026-11-22T10:30:00Z', 330, '2026-11-22T16:00:00+05:30'],
    ['2026-11-22T03:00:00Z', -480, '2026-11-21T19:00:00-08:00'],
    ['2026-11-22T20:00:00Z', 345, '2026-11-23T01:45:00+05:45'],
    ['2026-12-31T23:30:00Z', 60, '2027-01-01T00:30:00+01:00'],
    ['2024-02-28T23:00:00Z', 120, '2024-02-29T01:00:00+02:00'],
    ['2026-11-22T10:00:00Z', 840, '2026-11-23T00:00:00+14:00'],
    ['2026-11-22T10:00:00Z', -720, '2026-11-21T22:00:00-12:00'],
  ])('should render %s at offset %i as %s', (utc, offset, expected) => {
    expect(fhirDateTime(utc, offset)).toBe(expected);
  });

  it.each([
    ['2026-11-22T10:30:00.120Z', 60, '2026-11-22T11:30:00.12+01:00'],
    ['2026-09-09T01:24:33.390135Z', -300, '2026-09-08T20:24:33.390135-05:00'],
    ['2026-11-22T10:30:00.000001Z', 0, '2026-11-22T10:30:00.000001+00:00'],
    ['2026-11-22T10:30:00+00:00', 0, '2026-11-22T10:30:00+00:00'],
    ['2026-09-09T01:24:33.9999Z', 0, '2026-09-09T01:24:33.9999+00:00'],
    ['1969-12-31T23:59:59.5Z', 60, '1970-01-01T00:59:59.5+01:00'],
  ])('should keep the fractional seconds of %s digit for digit', (utc, offset, expected) => {
    expect(fhirDateTime(utc, offset)).toBe(expected);
  });

  it.each([
    ['an instant with another offset', '2026-11-22T11:30:00.5+01:00', 60, '2026-11-22T11:30:00.5+01:00'],
    ['an offset beyond ±14:00', '2026-11-22T10:30:00Z', 15 * 60, '2026-11-22T10:30:00+00:00'],
    ['a fractional offset', '2026-11-22T10:30:00Z', 59.5, '2026-11-22T10:30:00+00:00'],
  ])('should still give the exact instant for %s', (_name, instant, offset, expected) => {
    expect(fhirDateTime(instant, offset)).toBe(expected);
  });

  it.each(['yesterday', '2026-13-01T00:00:00Z', ''])('should reject %j', (instant) => {
    expect(() => fhirDateTime(instant, 0)).toThrow(RangeError);
  });
});

describe(effectiveOf.name, () => {
  it.each([
    [
      'a night across midnight at +01:00',
      { kind: 'period', start: '2026-11-20T22:41:00Z', end: '2026-11-21T06:12:00Z', offsetMinutes: 60 },
      { effectivePeriod: { start: '2026-11-20T23:41:00+01:00', end: '2026-11-21T07:12:00+01:00' } },
    ],
    [
      'a UTC day that starts the previous local evening at -08:00',
      { kind: 'period', start: '2026-11-22T00:00:00Z', end: '2026-11-23T00:00:00Z', offsetMinutes: -480 },
      { effectivePeriod: { start: '2026-11-21T16:00:00-08:00', end: '2026-11-22T16:00:00-08:00' } },
    ],
    [
      'an hour that crosses local midnight at +05:30',
      { kind: 'period', start: '2026-11-22T18:00:00Z', end: '2026-11-22T19:00:00Z', offsetMinutes: 330 },
      { effectivePeriod: { start: '2026-11-22T23:30:00+05:30', end: '2026-11-23T00:30:00+05:30' } },
    ],
    [
      'an instant',
      { kind: 'instant', at: '2026-11-22T10:00:00Z', offsetMinutes: 0 },
      { effectiveDateTime: '2026-11-22T10:00:00+00:00' },
    ],
  ] as const)('should render %s', (_name, timing, expected) => {
    const effective = effectiveOf(timing);
    expect(effective).toStrictEqual(expected);
    assertValidR5({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      ...effective,
    });
  });
});
