import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { LinkStatus } from '../../base/entities/provider-link.entity.js';
import { dropOpenRowsOfLink } from '../../webhooks/inbox/link-inbox-rows.js';
import type { SealedPair } from './token-vault.js';

/** The token-relevant columns of one provider link, with its provider type and patient id. */
export interface TokenRow {
  readonly id: number;
  readonly status: LinkStatus;
  readonly providerType: string;
  readonly ehrUserId: string;
  readonly accessTokenEnc: string | null;
  readonly refreshTokenEnc: string | null;
  readonly tokenKeyId: string | null;
  readonly tokenExpiresAt: Date | null;
  readonly tokenIssuedAt: Date | null;
}

const SELECT_ROW = `
  SELECT l.id, l.status, p.provider_type AS "providerType", u.ehr_user_id AS "ehrUserId",
         l.access_token_enc AS "accessTokenEnc", l.refresh_token_enc AS "refreshTokenEnc",
         l.token_key_id AS "tokenKeyId", l.token_expires_at AS "tokenExpiresAt", l.token_issued_at AS "tokenIssuedAt"
    FROM provider_links l
    JOIN providers p ON p.id = l.provider_id
    JOIN ehr_users u ON u.id = l.user_id
   WHERE l.id = $1`;

/** Lock wait exceeded (SQLSTATE 55P03) or the session idled out while holding the lock (25P03). */
export const LOCK_TIMEOUT_CODES: ReadonlySet<string> = new Set(['55P03', '25P03']);

/** Every SQL statement of token storage: reads, the per-link row lock, and the writes made under it. */
@Injectable()
export class LinkTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(linkId: number): Promise<TokenRow | undefined> {
    const rows: TokenRow[] = await this.dataSource.query(SELECT_ROW, [linkId]);
    return rows[0];
  }

  /**
   * Runs `work` in a transaction holding `SELECT … FOR UPDATE` on the link row. The lock wait and the time the
   * transaction may sit idle (e.g. while a token call is in flight) are bounded by `lockTimeoutMs`, so a hung
   * process cannot keep the row locked; token calls must use a shorter timeout.
   */
  withLockedRow<T>(
    linkId: number,
    lockTimeoutMs: number,
    work: (manager: EntityManager, row: TokenRow | undefined) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      await m.query(
        `SELECT set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)`,
        [`${lockTimeoutMs}ms`, `${lockTimeoutMs}ms`],
      );
      const rows: TokenRow[] = await m.query(`${SELECT_ROW} FOR UPDATE OF l`, [linkId]);
      return work(m, rows[0]);
    });
  }

  async saveTokens(
    m: EntityManager,
    linkId: number,
    sealed: SealedPair,
    times: { issuedAt: Date; expiresAt: Date },
    scopes?: readonly string[],
  ): Promise<void> {
    await m.query(
      `UPDATE provider_links
          SET access_token_enc = $2, refresh_token_enc = $3, token_key_id = $4,
              token_issued_at = $5, token_expires_at = $6,
              granted_scopes = COALESCE($7::text[], granted_scopes), updated_at = now()
        WHERE id = $1`,
      [
        linkId,
        sealed.accessTokenEnc,
        sealed.refreshTokenEnc,
        sealed.keyId,
        times.issuedAt,
        times.expiresAt,
        scopes === undefined ? null : [...scopes],
      ],
    );
  }

  /**
   * Keeps the tokens (an operator may still want to look) but stops every use until the patient re-consents; its
   * open inbox rows are dropped with it, or the reconciler would re-request their sync forever.
   */
  async markNeedsReauth(m: EntityManager, linkId: number): Promise<void> {
    await m.query(`UPDATE provider_links SET status = 'needs_reauth', updated_at = now() WHERE id = $1`, [
      linkId,
    ]);
    await dropOpenRowsOfLink(m, linkId, 'link_needs_reauth');
  }

  /** Crypto-shreds the tokens and ends the link; its open inbox rows are dropped in the same transaction. */
  async revoke(m: EntityManager, linkId: number): Promise<void> {
    await m.query(
      `UPDATE provider_links
          SET status = 'revoked', access_token_enc = NULL, refresh_token_enc = NULL, token_key_id = NULL,
              token_expires_at = NULL, token_issued_at = NULL, updated_at = now()
        WHERE id = $1`,
      [linkId],
    );
    await dropOpenRowsOfLink(m, linkId, 'link_revoked');
  }

  /** Ids of links whose tokens are sealed under another key than `currentKeyId`, in id order. */
  async staleKeyIds(currentKeyId: string, afterId: number, limit: number): Promise<number[]> {
    const rows: { id: number }[] = await this.dataSource.query(
      `SELECT id FROM provider_links
        WHERE token_key_id IS NOT NULL AND token_key_id <> $1 AND id > $2
        ORDER BY id LIMIT $3`,
      [currentKeyId, afterId, limit],
    );
    return rows.map((r) => r.id);
  }
}
