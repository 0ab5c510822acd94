import { Injectable, Logger } from '@nestjs/common';
import { ServiceUnavailableError } from '../../common/errors/api-error.js';
import { AppConfig } from '../../config/app-config.js';
import { KeysetCache, KeysetUnavailableError } from './keyset-cache.js';
import {
  candidateKeys,
  decodeSignature,
  parseKeyset,
  verifyWith,
  type DecodedSignature,
  type Keyset,
} from './tink-keyset.js';

const FETCH_TIMEOUT_MS = 5_000;
const UNKNOWN_KEY_REFETCH_MS = 60_000;
/** Keys rotate about every 30 days; a daily reload drops retired keys well before that. */
const MAX_AGE_MS = 24 * 60 * 60 * 1000;
const MAX_KEYSET_BYTES = 64 * 1024;

/** 503 with Retry-After: Google keeps undelivered notifications for 7 days and retries them. */
export class SigningKeysUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('Notification signing keys are unavailable; retry later', 60);
  }
}

export async function fetchKeyset(url: string, timeoutMs = FETCH_TIMEOUT_MS): Promise<Keyset> {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/json' },
  });
  if (!res.ok) {
    throw new Error(`keyset request answered ${res.status}`);
  }
  const text = await res.text();
  if (text.length > MAX_KEYSET_BYTES) {
    throw new Error('keyset larger than 64 KB');
  }
  return parseKeyset(text);
}

/**
 * Verifies Google Health notification signatures (ECDSA P-256 over the raw body, Tink format) against the
 * configured keyset: GOOGLE_HEALTH_WEBHOOK_KEYSET inline (never refetched), else the published keyset URL.
 */
@Injectable()
export class GoogleSignatureVerifier {
  private readonly logger = new Logger(GoogleSignatureVerifier.name);
  private readonly cache: KeysetCache;
  private readonly refetchable: boolean;

  constructor(config: AppConfig) {
    const { googleKeyset, googleKeysetUrl } = config.webhooks;
    this.refetchable = googleKeyset === undefined;
    const load =
      googleKeyset === undefined
        ? () => fetchKeyset(googleKeysetUrl)
        : () => Promise.resolve().then(() => parseKeyset(googleKeyset));
    this.cache = new KeysetCache(
      async () => {
        try {
          const keyset = await load();
          this.logger.log(
            { keys: keyset.keys.length, skipped: keyset.skipped },
            'Google Health keyset loaded',
          );
          return keyset;
        } catch (err) {
          this.logger.error({ err }, 'Google Health keyset could not be loaded');
          throw err;
        }
      },
      {
        unknownKeyRefetchMs: UNKNOWN_KEY_REFETCH_MS,
        maxAgeMs: googleKeyset === undefined ? MAX_AGE_MS : Number.POSITIVE_INFINITY,
      },
    );
  }

  /**
   * Whether any of the signature header values is a valid signature of `rawBody`. Malformed values are simply
   * invalid. Throws SigningKeysUnavailableError (503) when no keyset can be loaded: never accept unverified.
   */
  async verify(rawBody: Buffer, headerValues: readonly string[]): Promise<boolean> {
    const signatures = headerValues
      .map(decodeSignature)
      .filter((s): s is DecodedSignature => s !== undefined);
    if (signatures.length === 0) {
      return false;
    }
    try {
      const keyset = await this.cache.get();
      if (anyValid(keyset, signatures, rawBody)) {
        return true;
      }
      // Only a key id we do not hold is worth a reload: Google may have rotated since we loaded.
      const namesUnknownKey = signatures.some(
        (s) => s.keyId !== undefined && candidateKeys(keyset, s).length === 0,
      );
      if (!namesUnknownKey || !this.refetchable) {
        return false;
      }
      const fresh = await this.cache.refreshForUnknownKey();
      return fresh !== undefined && anyValid(fresh, signatures, rawBody);
    } catch (err) {
      if (err instanceof KeysetUnavailableError) {
        throw new SigningKeysUnavailableError();
      }
      throw err;
    }
  }
}

function anyValid(keyset: Keyset, signatures: readonly DecodedSignature[], rawBody: Buffer): boolean {
  return signatures.some((s) => verifyWith(candidateKeys(keyset, s), rawBody, s.der));
}
