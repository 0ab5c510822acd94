import type { Keyset } from './tink-keyset.js';

export interface KeysetCacheOptions {
  /** Least time between two refetches caused by an unknown key id, so forged ids cannot hammer the source. */
  readonly unknownKeyRefetchMs: number;
  /** Age after which the keyset is reloaded on next use, so retired keys stop verifying. */
  readonly maxAgeMs: number;
  readonly now?: () => number;
}

/** No keyset could be loaded, so nothing can be verified: the caller answers 503 and the sender retries. */
export class KeysetUnavailableError extends Error {
  override readonly name = 'KeysetUnavailableError';
}

/**
 * Holds the last good keyset. Loads are single-flight. A failed reload keeps serving the keyset already held
 * (its keys were valid minutes ago, and Google rotates monthly); only having no keyset at all is an outage.
 */
export class KeysetCache {
  private current: { readonly keyset: Keyset; readonly loadedAt: number } | undefined;
  private inflight: Promise<Keyset> | undefined;
  private lastUnknownKeyRefetch = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(
    private readonly load: () => Promise<Keyset>,
    private readonly options: KeysetCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The keyset, loading it on first use or once it is older than maxAgeMs. */
  async get(): Promise<Keyset> {
    const held = this.current;
    if (held !== undefined && this.now() - held.loadedAt < this.options.maxAgeMs) {
      return held.keyset;
    }
    try {
      return await this.reload();
    } catch (err) {
      if (held !== undefined) {
        return held.keyset;
      }
      throw new KeysetUnavailableError('keyset could not be loaded', { cause: err });
    }
  }

  /**
   * Reloads because a signature named a key id we do not hold (Google rotated). Undefined when throttled: the
   * caller then refuses the signature, and the sender's retry comes after the throttle window. Throws when the
   * reload fails, since the new key may well be genuine.
   */
  async refreshForUnknownKey(): Promise<Keyset | undefined> {
    const now = this.now();
    if (now - this.lastUnknownKeyRefetch < this.options.unknownKeyRefetchMs) {
      return undefined;
    }
    this.lastUnknownKeyRefetch = now;
    try {
      return await this.reload();
    } catch (err) {
      throw new KeysetUnavailableError('keyset could not be reloaded', { cause: err });
    }
  }

  private reload(): Promise<Keyset> {
    this.inflight ??= this.load()
      .then((keyset) => {
        this.current = { keyset, loadedAt: this.now() };
        return keyset;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}
