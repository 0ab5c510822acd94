import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/** How the FHIR test server orders requests; see FhirTestServerOptions.concurrency. */
export type FhirConcurrency = 'serial' | 'concurrent';

interface Holder {
  release: () => void;
}

/**
 * The server's request queue. Each request runs holding the lock, so its reads and writes are indivisible steps
 * and a transaction's writes and their undo never interleave with another request's. In 'serial' mode a request
 * keeps the lock from start to finish. In 'concurrent' mode a conditional create or update lets go of it between
 * its search and its write (gap()), because real servers run that search and that insert as two statements with
 * no lock on the identifier: two requests of the same identifier can then both find nothing and both create.
 */
export class RequestLock {
  private tail: Promise<void> = Promise.resolve();
  private readonly holders = new AsyncLocalStorage<Holder>();

  constructor(
    private readonly mode: FhirConcurrency,
    /** The pause in the gap; 0 waits one event-loop turn, enough for requests already waiting to run. */
    private readonly gapMs: number,
  ) {}

  /** Runs `work` holding the lock; requests wait in arrival order. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const holder: Holder = { release: await this.acquire() };
    try {
      return await this.holders.run(holder, work);
    } finally {
      holder.release();
    }
  }

  /**
   * Between a conditional operation's search and its write. Serial mode: nothing. Concurrent mode: other
   * requests run meanwhile (they may search, create and commit), then this one queues again for the lock.
   * Callers must not have written anything yet, since others would see it uncommitted.
   */
  async gap(): Promise<void> {
    const holder = this.holders.getStore();
    if (this.mode === 'serial' || holder === undefined) {
      return;
    }
    holder.release();
    holder.release = () => undefined;
    await (this.gapMs > 0 ? sleep(this.gapMs) : nextTurn());
    holder.release = await this.acquire();
  }

  private acquire(): Promise<() => void> {
    let release: () => void = () => undefined;
    const freed = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.tail;
    this.tail = ready.then(() => freed);
    return ready.then(() => release);
  }
}
