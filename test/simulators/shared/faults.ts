/** Armed failures, consumed one per request, for rate-limit and outage tests. */
export class FaultQueue {
  private armed: { status: number; remaining: number } | undefined;

  arm(status: number, times = 1): void {
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`failNext() needs a positive count, got ${times}`);
    }
    this.armed = { status, remaining: times };
  }

  take(): number | undefined {
    if (!this.armed) {
      return undefined;
    }
    const { status } = this.armed;
    this.armed.remaining -= 1;
    if (this.armed.remaining === 0) {
      this.armed = undefined;
    }
    return status;
  }
}
