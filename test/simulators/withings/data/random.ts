import { createHash } from 'node:crypto';

/**
 * A small seeded PRNG (mulberry32). Every generated value is derived from a text key naming what it is
 * (`seed|userid|day|kind`), so any slice of a user's history regenerates identically regardless of which
 * other slices were asked for first: re-fetching a window must yield the same measurements.
 */
export class Rng {
  private state: number;

  constructor(key: string) {
    this.state = createHash('sha256').update(key).digest().readUInt32LE(0);
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Real in [min, max), rounded to `decimals`. */
  real(min: number, max: number, decimals: number): number {
    const factor = 10 ** decimals;
    return Math.round((min + this.next() * (max - min)) * factor) / factor;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) {
      throw new RangeError('pick() from an empty list');
    }
    return item;
  }
}

/** A stable 40-hex id (Withings deviceid / hash_deviceid shape). */
export function hexId(key: string): string {
  return createHash('sha1').update(key).digest('hex');
}

/** A stable positive integer id below 2^53 in [min, min + span). */
export function intId(key: string, min: number, span: number): number {
  return min + (createHash('sha256').update(key).digest().readUInt32LE(4) % span);
}
