import { DecryptionError } from '../../common/crypto/token-cipher.js';
import { LinkTokenRepository } from './link-token.repository.js';
import type { TokenVault } from './token-vault.js';

const BATCH = 200;

/**
 * Moves every link's tokens to the newest TOKEN_KEYS key: per row, under the same row lock as a refresh, open
 * with whichever ring key sealed it and seal again under the current key. Rows are committed one by one, so an
 * interrupted run resumes where it stopped; afterwards the old key can be dropped from TOKEN_KEYS.
 */
export class TokenReencryptor {
  constructor(
    private readonly repo: LinkTokenRepository,
    private readonly vault: TokenVault,
    private readonly lockTimeoutMs: number,
  ) {}

  /** `failed` lists rows that no ring key opens (tampered, or sealed under a key no longer in TOKEN_KEYS). */
  async run(): Promise<{ reencrypted: number; failed: number[] }> {
    let reencrypted = 0;
    const failed: number[] = [];
    let after = 0;
    for (;;) {
      const ids = await this.repo.staleKeyIds(this.vault.currentKeyId, after, BATCH);
      for (const id of ids) {
        try {
          reencrypted += await this.reencrypt(id);
        } catch (err) {
          if (!(err instanceof DecryptionError)) {
            throw err;
          }
          failed.push(id);
        }
        after = id;
      }
      if (ids.length < BATCH) {
        return { reencrypted, failed };
      }
    }
  }

  private reencrypt(linkId: number): Promise<number> {
    return this.repo.withLockedRow(linkId, this.lockTimeoutMs, async (m, row) => {
      if (row?.tokenKeyId === undefined || row.tokenKeyId === null || !this.vault.isStale(row.tokenKeyId)) {
        return 0;
      }
      if (row.accessTokenEnc === null || row.refreshTokenEnc === null) {
        return 0;
      }
      const sealed = this.vault.seal(linkId, {
        accessToken: this.vault.open(linkId, 'access_token', row.accessTokenEnc),
        refreshToken: this.vault.open(linkId, 'refresh_token', row.refreshTokenEnc),
      });
      const now = new Date();
      await this.repo.saveTokens(m, linkId, sealed, {
        issuedAt: row.tokenIssuedAt ?? now,
        expiresAt: row.tokenExpiresAt ?? now,
      });
      return 1;
    });
  }
}
