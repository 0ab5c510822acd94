/**
 * Simulated time: the injected base clock plus whatever tests have advanced. Expiry and grace windows are
 * hours long, so tests move this clock instead of waiting or faking timers globally.
 */
export class SimClock {
  private offsetMs = 0;

  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`advance() needs a non-negative duration, got ${ms}`);
    }
    this.offsetMs += ms;
  }
}

export const SECOND_MS = 1000;
export const HOUR_MS = 3600 * SECOND_MS;
export const DAY_MS = 24 * HOUR_MS;
