/** Failure injected into data calls: an HTTP error, a Withings status inside HTTP 200, or no answer at all. */
export type DataFault =
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'hang' };

/** Armed data-call faults, consumed one per data request. */
export class DataFaults {
  private armed: { fault: DataFault; remaining: number } | undefined;

  arm(fault: DataFault, times: number): void {
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`failNextData() needs a positive count, got ${times}`);
    }
    this.armed = { fault, remaining: times };
  }

  take(): DataFault | undefined {
    if (!this.armed) {
      return undefined;
    }
    const { fault } = this.armed;
    this.armed.remaining -= 1;
    if (this.armed.remaining === 0) {
      this.armed = undefined;
    }
    return fault;
  }
}

/**
 * Withings' per-application budget (research A2: 120 requests per minute, not per user), as fixed calendar
 * minutes of the simulated clock so tests can move past it with advance().
 */
export class AppRateWindow {
  private minute = -1;
  private used = 0;

  constructor(private readonly limitPerMinute: number) {}

  /** Counts one request; false when it is over the budget. */
  admit(nowMs: number): boolean {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.used = 0;
    }
    this.used += 1;
    return this.used <= this.limitPerMinute;
  }
}

/**
 * A fault for data calls whose `startdate` (epoch s) is at or after an instant: fails a long sync at one chunk,
 * whatever the calls before it, so a test can stop a backfill part-way deterministically.
 */
export class WindowFaults {
  private fromS = 0;
  private readonly faults = new DataFaults();

  arm(fromS: number, fault: DataFault, times: number): void {
    this.fromS = fromS;
    this.faults.arm(fault, times);
  }

  take(startdate: string | null): DataFault | undefined {
    return startdate === null || Number(startdate) < this.fromS ? undefined : this.faults.take();
  }
}

/** Requests received per `<path> <action>`, answered or not, for tests that assert how many calls were made. */
export class CallCounter {
  private readonly counts = new Map<string, number>();
  private readonly startdates = new Map<string, number[]>();

  add(path: string, action: string, startdate?: string | null): void {
    const key = `${path} ${action}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (startdate !== undefined && startdate !== null) {
      this.startdates.set(key, [...(this.startdates.get(key) ?? []), Number(startdate)]);
    }
  }

  /** The `startdate` (epoch s) of each call to one `path action`, in arrival order. */
  starts(key: string): number[] {
    return [...(this.startdates.get(key) ?? [])];
  }

  /** Calls to one `path action` (e.g. `/measure getmeas`), or to every data path when omitted. */
  count(key?: string): number {
    if (key !== undefined) {
      return this.counts.get(key) ?? 0;
    }
    let total = 0;
    for (const n of this.counts.values()) {
      total += n;
    }
    return total;
  }

  reset(): void {
    this.counts.clear();
    this.startdates.clear();
  }
}
