import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { LinkGrant } from '../../../ingestors/auth/provider-auth.js';
import { TokenVault } from '../../../ingestors/tokens/token-vault.js';

export interface ParkInput {
  readonly organizationId: string;
  readonly ehrUserId: string;
  readonly providerType: string;
  readonly grant: LinkGrant;
  readonly actor: string;
  readonly ttlS: number;
}

/** A parked grant handed back once, with the patient it was started for. */
export interface PendingGrant {
  readonly organizationId: string;
  readonly ehrUserId: string;
  readonly providerType: string;
  readonly grant: LinkGrant;
  readonly actor: string;
  readonly issuedAt: Date;
}

interface PendingRow {
  id: string;
  organization_id: string;
  ehr_user_id: string;
  external_user_id: string;
  legacy_user_id: string | null;
  access_token_enc: string;
  refresh_token_enc: string;
  token_issued_at: Date;
  token_expires_in_s: number;
  granted_scopes: string[];
  actor: string;
}

const hashOf = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex');

/**
 * Grants waiting for the clinical app's confirmation. The code is 256 random bits shown once; only its hash is
 * stored, and taking a row deletes it in the same statement, so a code works at most once even under races.
 */
@Injectable()
export class PendingLinkRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: TokenVault,
  ) {}

  async park(input: ParkInput): Promise<{ code: string; expiresAt: Date }> {
    // Expired grants go with the next one parked, so abandoned consents never outlive their TTL by much.
    await this.purgeExpired();
    const id = randomUUID();
    const code = randomBytes(32).toString('base64url');
    const sealed = this.vault.sealPending(id, input.grant.tokens);
    const { identity, tokens } = input.grant;
    const [row] = await this.dataSource.query<{ expires_at: Date }[]>(
      `INSERT INTO pending_links (id, code_hash, ehr_user_id, provider_id, external_user_id, legacy_user_id,
                                  access_token_enc, refresh_token_enc, token_key_id, token_issued_at,
                                  token_expires_in_s, granted_scopes, actor, expires_at, organization_id)
       SELECT $1, $2, $3, p.id, $5, $6, $7, $8, $9, now(), $10, $11, $12, now() + make_interval(secs => $13),
              $14
         FROM providers p WHERE p.provider_type = $4
       RETURNING expires_at`,
      [
        id,
        hashOf(code),
        input.ehrUserId,
        input.providerType,
        identity.externalUserId,
        identity.legacyUserId,
        sealed.accessTokenEnc,
        sealed.refreshTokenEnc,
        sealed.keyId,
        tokens.expiresInS,
        [...tokens.scopes],
        input.actor,
        input.ttlS,
        input.organizationId,
      ],
    );
    if (row === undefined) {
      throw new Error(`provider ${input.providerType} is not seeded`);
    }
    return { code, expiresAt: new Date(row.expires_at) };
  }

  /** Removes and returns the unexpired grant behind a code; undefined for an unknown, used or expired code. */
  async take(providerType: string, code: string): Promise<PendingGrant | undefined> {
    // TypeORM answers a DELETE with [rows, affected].
    const [[row]] = await this.dataSource.query<[PendingRow[], number]>(
      `DELETE FROM pending_links l USING providers p
        WHERE l.code_hash = $1 AND p.id = l.provider_id AND p.provider_type = $2 AND l.expires_at > now()
       RETURNING l.*`,
      [hashOf(code), providerType],
    );
    if (row === undefined) {
      return undefined;
    }
    return {
      organizationId: row.organization_id,
      ehrUserId: row.ehr_user_id,
      providerType,
      actor: row.actor,
      issuedAt: new Date(row.token_issued_at),
      grant: {
        identity: { externalUserId: row.external_user_id, legacyUserId: row.legacy_user_id },
        tokens: {
          accessToken: this.vault.openPending(row.id, 'access_token', row.access_token_enc),
          refreshToken: this.vault.openPending(row.id, 'refresh_token', row.refresh_token_enc),
          expiresInS: row.token_expires_in_s,
          scopes: row.granted_scopes,
        },
      },
    };
  }

  /** Deletes expired rows (their tokens with them); returns how many went. */
  async purgeExpired(): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM pending_links WHERE expires_at <= now()`,
    );
    return affected;
  }
}
