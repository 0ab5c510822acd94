import { describe, expect, it } from 'vitest';
import { KeysetCache, KeysetUnavailableError } from './keyset-cache.js';
import type { Keyset } from './tink-keyset.js';

const keysetNo = (n: number): Keyset => ({ keys: [], skipped: n });

/** A loader answering from a script (a keyset number, or an error), with a controllable clock. */
function harness(script: (number | Error)[]): {
  cache: KeysetCache;
  loads: () => number;
  advance: (ms: number) => void;
} {
  let now = 1_000_000;
  let loads = 0;
  const cache = new KeysetCache(
    () => {
      const step = script[loads++];
      if (step === undefined || step instanceof Error) {
        return Promise.reject(step ?? new Error('script exhausted'));
      }
      return Promise.resolve(keysetNo(step));
    },
    { unknownKeyRefetchMs: 60_000, maxAgeMs: 3_600_000, now: () => now },
  );
  return { cache, loads: () => loads, advance: (ms) => (now += ms) };
}

describe('KeysetCache', () => {
  it('should load once, share one load between concurrent callers, and serve the cached keyset', async () => {
    const h = harness([1]);
    const [a, b] = await Promise.all([h.cache.get(), h.cache.get()]);
    expect([a.skipped, b.skipped]).toEqual([1, 1]);
    expect((await h.cache.get()).skipped).toBe(1);
    expect(h.loads()).toBe(1);
  });

  it('should answer KeysetUnavailableError when nothing was ever loaded, and try again on the next call', async () => {
    const h = harness([new Error('down'), 2]);
    await expect(h.cache.get()).rejects.toBeInstanceOf(KeysetUnavailableError);
    expect((await h.cache.get()).skipped).toBe(2);
  });

  it('should reload after maxAge and keep the old keyset when that reload fails', async () => {
    const h = harness([1, new Error('down'), 3]);
    await h.cache.get();
    h.advance(3_600_000);
    expect((await h.cache.get()).skipped).toBe(1);
    expect((await h.cache.get()).skipped).toBe(3);
    expect(h.loads()).toBe(3);
  });

  it('should refetch for an unknown key at most once per 60 s, not counting the first load', async () => {
    const h = harness([1, 2, 3]);
    await h.cache.get();
    expect((await h.cache.refreshForUnknownKey())?.skipped).toBe(2);
    h.advance(59_999);
    expect(await h.cache.refreshForUnknownKey()).toBeUndefined();
    expect((await h.cache.get()).skipped).toBe(2);
    h.advance(1);
    expect((await h.cache.refreshForUnknownKey())?.skipped).toBe(3);
    expect(h.loads()).toBe(3);
  });

  it('should throw KeysetUnavailableError when an unknown-key refetch fails, keeping the old keyset', async () => {
    const h = harness([1, new Error('down')]);
    await h.cache.get();
    await expect(h.cache.refreshForUnknownKey()).rejects.toBeInstanceOf(KeysetUnavailableError);
    expect((await h.cache.get()).skipped).toBe(1);
    expect(await h.cache.refreshForUnknownKey()).toBeUndefined();
  });
});
