import type { Period } from 'fhir/r5.js';
import type { Timing } from '../common/domain/records.js';
import { flat } from './flat-string.js';

// FHIR's dateTime pattern accepts offsets up to ±14:00.
const MAX_OFFSET_MINUTES = 14 * 60;
const DAY_MS = 86_400_000;
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const DIGITS = /^\d+$/;
const suffixes = new Map<number, string>();
// Local calendar dates by day number: a batch spans a few days, and toISOString is the slow part of formatting.
const dates = new Map<number, string>();

function offsetSuffix(offsetMinutes: number): string {
  let suffix = suffixes.get(offsetMinutes);
  if (suffix === undefined) {
    const abs = Math.abs(offsetMinutes);
    suffix = `${offsetMinutes < 0 ? '-' : '+'}${PAD2[Math.floor(abs / 60)] ?? ''}:${PAD2[abs % 60] ?? ''}`;
    suffixes.set(offsetMinutes, suffix);
  }
  return suffix;
}

function calendarDate(day: number): string {
  let date = dates.get(day);
  if (date === undefined) {
    if (dates.size >= 10_000) {
      dates.clear();
    }
    date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dates.set(day, date);
  }
  return date;
}

/** `.digits` as written in a UTC instant (trailing zeros dropped), else from the parsed milliseconds. */
function fraction(instant: string, ms: number): string {
  if (instant.length > 20 && instant.charCodeAt(19) === 46) {
    const end = instant.endsWith('Z')
      ? instant.length - 1
      : instant.endsWith('+00:00')
        ? instant.length - 6
        : -1;
    const digits = end > 20 ? instant.slice(20, end) : '';
    if (DIGITS.test(digits)) {
      const trimmed = digits.replace(/0+$/, '');
      return trimmed === '' ? '' : `.${trimmed}`;
    }
  }
  return ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
}

/**
 * A FHIR dateTime for a UTC instant, written in the wearer's UTC offset: `2026-11-22T10:30:00Z` at +60 becomes
 * `2026-11-22T11:30:00+01:00`. Fractional seconds of a UTC instant are kept digit for digit (Google Health sends
 * microseconds, which a round trip through Date would cut to milliseconds); only trailing zeros go. An offset
 * FHIR cannot express (not whole minutes, or beyond ±14:00) falls back to UTC: the instant stays exact, only the
 * local rendering is lost.
 * @param instant - an ISO-8601 instant, normally in UTC (`...Z`)
 * @param offsetMinutes - the wearer's UTC offset when the measurement was taken
 * @throws RangeError when `instant` is not a parseable date-time
 */
export function fhirDateTime(instant: string, offsetMinutes: number): string {
  const offset =
    Number.isInteger(offsetMinutes) && Math.abs(offsetMinutes) <= MAX_OFFSET_MINUTES ? offsetMinutes : 0;
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) {
    throw new RangeError(`not an ISO-8601 instant: ${instant}`);
  }
  // V8 truncates digits beyond the millisecond, so the whole second never rounds up past the written one.
  const subSecond = ((ms % 1000) + 1000) % 1000;
  const local = ms - subSecond + offset * 60_000;
  const day = Math.floor(local / DAY_MS);
  const seconds = (local - day * DAY_MS) / 1000;
  const hh = PAD2[Math.floor(seconds / 3600)] ?? '';
  const mm = PAD2[Math.floor(seconds / 60) % 60] ?? '';
  const ss = PAD2[seconds % 60] ?? '';
  return flat(`${calendarDate(day)}T${hh}:${mm}:${ss}${fraction(instant, subSecond)}${offsetSuffix(offset)}`);
}

/** @param ms - the start of a UTC hour, as epoch milliseconds; rendered `YYYY-MM-DDTHH:00:00Z` */
export function utcHourInstant(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  return flat(`${calendarDate(day)}T${PAD2[Math.floor((ms - day * DAY_MS) / 3_600_000)] ?? ''}:00:00Z`);
}

/** The effective[x] of a record: a dateTime for an instant, a Period for an interval. */
export type Effective = { effectiveDateTime: string } | { effectivePeriod: Period };

/** @param timing - the record's timing, rendered in its own UTC offset */
export function effectiveOf(timing: Timing): Effective {
  return timing.kind === 'instant'
    ? { effectiveDateTime: fhirDateTime(timing.at, timing.offsetMinutes) }
    : {
        effectivePeriod: {
          start: fhirDateTime(timing.start, timing.offsetMinutes),
          end: fhirDateTime(timing.end, timing.offsetMinutes),
        },
      };
}
