import { Injectable } from '@nestjs/common';
import { KeyRingSealer } from '../../common/crypto/key-ring-sealer.js';
import type { TokenCipher } from '../../common/crypto/token-cipher.js';

export { TokenStorageNotConfiguredError } from '../../common/crypto/key-ring-sealer.js';

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

/**
 * Seals and opens a link's tokens with TokenCipher. The AAD names table, row and column, so a ciphertext copied to
 * another link or column fails to open.
 */
@Injectable()
export class TokenVault extends KeyRingSealer {
  seal(linkId: number, tokens: PlainPair): SealedPair {
    return this.sealAt('provider_links', linkId, tokens);
  }

  open(linkId: number, column: TokenColumn, value: string): string {
    return this.tokenCipher().decrypt(value, aad('provider_links', linkId, column));
  }

  /** Seals the grant of a pending (not yet confirmed) link, bound to that pending row. */
  sealPending(pendingId: string, tokens: PlainPair): SealedPair {
    return this.sealAt('pending_links', pendingId, tokens);
  }

  openPending(pendingId: string, column: TokenColumn, value: string): string {
    return this.tokenCipher().decrypt(value, aad('pending_links', pendingId, column));
  }

  private sealAt(table: SealedTable, id: number | string, tokens: PlainPair): SealedPair {
    const cipher = this.tokenCipher();
    const access = cipher.encrypt(tokens.accessToken, aad(table, id, 'access_token'));
    const refresh = cipher.encrypt(tokens.refreshToken, aad(table, id, 'refresh_token'));
    return { keyId: access.keyId, accessTokenEnc: access.value, refreshTokenEnc: refresh.value };
  }

  private tokenCipher(): TokenCipher {
    return this.need('tokens');
  }
}

type SealedTable = 'provider_links' | 'pending_links';

const aad = (table: SealedTable, id: number | string, column: TokenColumn): string =>
  `${table}:${id}:${column}`;
