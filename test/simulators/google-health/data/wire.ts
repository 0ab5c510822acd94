import { createHash } from 'node:crypto';
import { DAY_MS } from '../../shared/clock.js';

/** A data point exactly as the Health API serialises it (proto3 JSON). */
export type WirePoint = Record<string, unknown>;

/** proto3 JSON Duration, as Google writes a UTC offset: `3600s`, `-18000s`. */
export const duration = (seconds: number): string => `${seconds}s`;

/** RFC 3339 the way Google prints it: no fractional part when it is zero. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** google.type.Date: proto3 leaves nothing out here, every part is non-zero. */
export function civilDate(dayNumber: number): { year: number; month: number; day: number } {
  const d = new Date(dayNumber * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** google.type.DateTime-like civil time; zero fields are left out, as proto3 JSON does (`{"hours":15}`). */
export function civilDateTime(ms: number, offsetS: number): Record<string, unknown> {
  const local = new Date(ms + offsetS * 1000);
  const time: Record<string, number> = {};
  const parts: [string, number][] = [
    ['hours', local.getUTCHours()],
    ['minutes', local.getUTCMinutes()],
    ['seconds', local.getUTCSeconds()],
    ['nanos', local.getUTCMilliseconds() * 1_000_000],
  ];
  for (const [key, value] of parts) {
    if (value !== 0) {
      time[key] = value;
    }
  }
  return { date: civilDate(localDay(ms, offsetS)), time };
}

/** The local civil day (days since 1970-01-01) an instant falls on at a UTC offset. */
export const localDay = (ms: number, offsetS: number): number => Math.floor((ms + offsetS * 1000) / DAY_MS);

/** The instant a local civil day starts at a UTC offset. */
export const dayStart = (dayNumber: number, offsetS: number): number => dayNumber * DAY_MS - offsetS * 1000;

export function interval(startMs: number, endMs: number, offsetS: number): Record<string, unknown> {
  return {
    startTime: rfc3339(startMs),
    startUtcOffset: duration(offsetS),
    endTime: rfc3339(endMs),
    endUtcOffset: duration(offsetS),
    civilStartTime: civilDateTime(startMs, offsetS),
    civilEndTime: civilDateTime(endMs, offsetS),
  };
}

export function sampleTime(ms: number, offsetS: number): Record<string, unknown> {
  return { physicalTime: rfc3339(ms), utcOffset: duration(offsetS), civilTime: civilDateTime(ms, offsetS) };
}

/** Sleep and ECG ids look like the system ids seen live: long decimal numbers. */
export function pointName(healthUserId: string, dataType: string, key: string): string {
  const digest = createHash('sha256').update(`${healthUserId}|${dataType}|${key}`).digest();
  const id = digest.readBigUInt64BE(0) >> 1n;
  return `users/${healthUserId}/dataTypes/${dataType}/dataPoints/${id}`;
}

/**
 * A small seeded generator (mulberry32 over an FNV-1a hash of the key): the same key always yields the same
 * sequence, so a day's data is identical however and whenever it is asked for.
 */
export class Rng {
  private state: number;

  constructor(key: string) {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i += 1) {
      h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    }
    this.state = h >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A value with one decimal, as Fitbit reports percentages. */
  tenth(min: number, max: number): number {
    return Math.round((min + this.next() * (max - min)) * 10) / 10;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
