import { Injectable } from '@nestjs/common';
import { TokenCipher } from '../../common/crypto/token-cipher.js';
import { AppConfig } from '../../config/app-config.js';

export type TokenColumn = 'access_token' | 'refresh_token';

export interface SealedPair {
  readonly keyId: string;
  readonly accessTokenEnc: string;
  readonly refreshTokenEnc: string;
}

export class TokenStorageNotConfiguredError extends Error {
  override readonly name = 'TokenStorageNotConfiguredError';
}

/**
 * Seals and opens a link's tokens with TokenCipher. The AAD names table, row and column, so a ciphertext copied to
 * another link or column fails to open.
 */
@Injectable()
export class TokenVault {
  private readonly cipher: TokenCipher | undefined;

  constructor(config: AppConfig) {
    const ring = config.linking.keyRing;
    this.cipher = ring === undefined ? undefined : new TokenCipher(ring);
  }

  get configured(): boolean {
    return this.cipher !== undefined;
  }

  get currentKeyId(): string {
    return this.need().currentKeyId;
  }

  seal(linkId: number, tokens: { accessToken: string; refreshToken: string }): SealedPair {
    const cipher = this.need();
    const access = cipher.encrypt(tokens.accessToken, aad(linkId, 'access_token'));
    const refresh = cipher.encrypt(tokens.refreshToken, aad(linkId, 'refresh_token'));
    return { keyId: access.keyId, accessTokenEnc: access.value, refreshTokenEnc: refresh.value };
  }

  open(linkId: number, column: TokenColumn, value: string): string {
    return this.need().decrypt(value, aad(linkId, column));
  }

  isStale(keyId: string): boolean {
    return this.need().isStale(keyId);
  }

  private need(): TokenCipher {
    if (this.cipher === undefined) {
      throw new TokenStorageNotConfiguredError('TOKEN_KEYS is not set: tokens cannot be stored or read');
    }
    return this.cipher;
  }
}

const aad = (linkId: number, column: TokenColumn): string => `provider_links:${linkId}:${column}`;
