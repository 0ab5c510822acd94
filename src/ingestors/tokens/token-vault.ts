import { Injectable } from '@nestjs/common';
import { TokenCipher } from '../../common/crypto/token-cipher.js';
import { AppConfig } from '../../config/app-config.js';

export type TokenColumn = 'access_token' | 'refresh_token';

export interface SealedPair {
  readonly keyId: string;
  readonly accessTokenEnc: string;
  readonly refreshTokenEnc: string;
}

interface PlainPair {
  readonly accessToken: string;
  readonly refreshToken: string;
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

  seal(linkId: number, tokens: PlainPair): SealedPair {
    return this.sealAt('provider_links', linkId, tokens);
  }

  open(linkId: number, column: TokenColumn, value: string): string {
    return this.need().decrypt(value, aad('provider_links', linkId, column));
  }

  /** Seals the grant of a pending (not yet confirmed) link, bound to that pending row. */
  sealPending(pendingId: string, tokens: PlainPair): SealedPair {
    return this.sealAt('pending_links', pendingId, tokens);
  }

  openPending(pendingId: string, column: TokenColumn, value: string): string {
    return this.need().decrypt(value, aad('pending_links', pendingId, column));
  }

  isStale(keyId: string): boolean {
    return this.need().isStale(keyId);
  }

  private sealAt(table: SealedTable, id: number | string, tokens: PlainPair): SealedPair {
    const cipher = this.need();
    const access = cipher.encrypt(tokens.accessToken, aad(table, id, 'access_token'));
    const refresh = cipher.encrypt(tokens.refreshToken, aad(table, id, 'refresh_token'));
    return { keyId: access.keyId, accessTokenEnc: access.value, refreshTokenEnc: refresh.value };
  }

  private need(): TokenCipher {
    if (this.cipher === undefined) {
      throw new TokenStorageNotConfiguredError('TOKEN_KEYS is not set: tokens cannot be stored or read');
    }
    return this.cipher;
  }
}

type SealedTable = 'provider_links' | 'pending_links';

const aad = (table: SealedTable, id: number | string, column: TokenColumn): string =>
  `${table}:${id}:${column}`;
