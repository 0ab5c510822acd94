import type { Redis } from 'ioredis';

export interface WindowCount {
  /** Hits in the current window across every process, as far as this process knows, this one included. */
  readonly total: number;
  /** When the window ends, in epoch ms. */
  readonly resetAtMs: number;
}

interface Slot {
  readonly windowStart: number;
  /** The window's total in Redis at the last flush (every process's hits written so far). */
  known: number;
  /** Hits of this process not written to Redis yet. */
  unsent: number;
}

export interface SharedWindowCounterOptions {
  readonly windowMs: number;
  /** How often this process's hits are written to Redis and the other processes' read back. */
  readonly flushMs: number;
  /**
   * Most keys tracked at once, bounding memory against many sources; a key beyond it is not counted in that window
   * (each of its hits reads as the first), so size it above the sources a limit has to tell apart.
   */
  readonly maxKeys: number;
  /**
   * Read back every tracked key at each flush, not only those this process hit since the last one: other
   * processes' hits then show even on a key idle here. Meant for few keys (one per provider), not per source.
   */
  readonly refreshIdle?: boolean;
}

/**
 * A fixed-window counter shared by every process through Redis, without a Redis round trip per hit: hits are
 * counted in memory, and every flushMs each key's unsent hits go to Redis in one pipeline (INCRBY) whose answers
 * are the windows' totals. A decision reads the last known total plus this process's unsent hits, so a limit is
 * exact within one process and overshoots across N processes by at most the hits they take in one flush interval.
 * Hits on a Redis that is unreachable stay local (the limit then holds per process) and are retried next flush.
 */
export class SharedWindowCounter {
  private readonly slots = new Map<string, Slot>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly options: SharedWindowCounterOptions,
  ) {}

  /** Counts one hit on `key` and answers the window's total with it. Never waits for Redis. */
  hit(key: string, now = Date.now()): WindowCount {
    const windowStart = now - (now % this.options.windowMs);
    let slot = this.slots.get(key);
    if (slot === undefined || slot.windowStart !== windowStart) {
      if (slot === undefined && this.slots.size >= this.options.maxKeys) {
        this.dropPastWindows(windowStart);
      }
      slot = { windowStart, known: 0, unsent: 0 };
      if (this.slots.size < this.options.maxKeys || this.slots.has(key)) {
        this.slots.set(key, slot);
      }
    }
    slot.unsent++;
    this.ensureTimer();
    return { total: slot.known + slot.unsent, resetAtMs: windowStart + this.options.windowMs };
  }

  /** Writes every unsent hit and reads the totals back; one pipeline for all keys. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops the timer after a last flush (application shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    const now = Date.now();
    this.dropPastWindows(now - (now % this.options.windowMs));
    const batch = [...this.slots].filter(([, slot]) => slot.unsent > 0 || this.options.refreshIdle === true);
    if (batch.length === 0) {
      return;
    }
    const pipeline = this.redis.pipeline();
    const sent = batch.map(([key, slot]) => {
      const redisKey = `${this.keyPrefix}:${key}:${slot.windowStart}`;
      pipeline.incrby(redisKey, slot.unsent);
      pipeline.pexpire(redisKey, this.options.windowMs * 2);
      const count = slot.unsent;
      slot.unsent = 0;
      return { slot, count };
    });
    let answers: [Error | null, unknown][] | null;
    try {
      answers = await pipeline.exec();
    } catch {
      answers = null;
    }
    sent.forEach(({ slot, count }, i) => {
      const [err, total] = answers?.[i * 2] ?? [new Error('no answer'), null];
      if (err === null && typeof total === 'number') {
        // Hits taken while the pipeline was out stay unsent and count on top.
        slot.known = total;
      } else {
        // Not written: keep counting these hits locally and send them again with the next flush.
        slot.unsent += count;
      }
    });
  }

  private dropPastWindows(currentStart: number): void {
    for (const [key, slot] of this.slots) {
      if (slot.windowStart < currentStart) {
        this.slots.delete(key);
      }
    }
  }

  private ensureTimer(): void {
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.flush(), this.options.flushMs);
      // A pending flush must not keep a finished process alive.
      this.timer.unref();
    }
  }
}
