import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { TokenCipher } from './token-cipher.js';

/** Secrets are to be sealed or opened but TOKEN_KEYS is not set. */
export class TokenStorageNotConfiguredError extends Error {
  override readonly name = 'TokenStorageNotConfiguredError';
}

/**
 * Base of the services that seal secrets at rest with the TOKEN_KEYS ring (provider tokens, organization
 * credentials). Without the ring the service still boots; sealing or opening then fails clearly.
 */
@Injectable()
export class KeyRingSealer {
  private readonly ringCipher: TokenCipher | undefined;

  constructor(config: AppConfig) {
    const ring = config.linking.keyRing;
    this.ringCipher = ring === undefined ? undefined : new TokenCipher(ring);
  }

  get configured(): boolean {
    return this.ringCipher !== undefined;
  }

  get currentKeyId(): string {
    return this.need('secrets').currentKeyId;
  }

  /** Whether a value sealed under `keyId` should be sealed again under the current key. */
  isStale(keyId: string): boolean {
    return this.need('secrets').isStale(keyId);
  }

  /** @param what - what cannot be kept without the ring, for the error message */
  protected need(what: string): TokenCipher {
    if (this.ringCipher === undefined) {
      throw new TokenStorageNotConfiguredError(`TOKEN_KEYS is not set: ${what} cannot be stored or read`);
    }
    return this.ringCipher;
  }
}
