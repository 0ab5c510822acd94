import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import { AppConfig } from '../../config/app-config.js';
import { ProviderAdapters } from '../auth/provider-adapters.js';
import {
  InvalidGrantError,
  InvalidTokenError,
  ProviderCallError,
  type TokenSet,
} from '../auth/provider-auth.js';
import { LinkTokenRepository, LOCK_TIMEOUT_CODES, type TokenRow } from './link-token.repository.js';
import { TokenVault } from './token-vault.js';

/** The link cannot be used until the patient links again (needs_reauth or revoked, or it has no tokens). */
export class LinkNotUsableError extends Error {
  override readonly name = 'LinkNotUsableError';
  constructor(
    readonly linkId: number,
    readonly status: string,
  ) {
    super(`provider link ${linkId} is ${status}`);
  }
}

/** Refresh once 80 % of the access token's lifetime has passed. */
const REFRESH_AT_FRACTION = 0.8;

/**
 * Access tokens for provider calls. Refreshes ahead of expiry and when the provider refuses a token, single-flight
 * per link across processes: the link row is locked (`SELECT … FOR UPDATE`) across the token call, which has a
 * shorter timeout than the lock; whoever gets the lock second re-reads the row and reuses the fresh token. The new
 * pair commits in the same transaction, before anyone uses the new access token (which would end Withings' 8 h
 * grace of the old refresh token). On invalid_grant the link becomes needs_reauth; it is never deleted.
 */
@Injectable()
export class TokenService {
  private readonly logger = new Logger('Tokens');

  constructor(
    private readonly config: AppConfig,
    private readonly repo: LinkTokenRepository,
    private readonly vault: TokenVault,
    private readonly adapters: ProviderAdapters,
    private readonly audit: AuditService,
  ) {}

  /** A usable access token, refreshed first when it is due. */
  async accessToken(linkId: number, now = new Date()): Promise<string> {
    const row = usable(linkId, await this.repo.find(linkId));
    if (!isDue(row, now)) {
      return this.vault.open(linkId, 'access_token', row.accessTokenEnc);
    }
    return this.refresh(linkId);
  }

  /** The stored pair as it is (no refresh), for revocation; undefined when the link holds no tokens. */
  async storedTokens(linkId: number): Promise<{ accessToken: string; refreshToken: string } | undefined> {
    const row = await this.repo.find(linkId);
    if (row === undefined || row.accessTokenEnc === null || row.refreshTokenEnc === null) {
      return undefined;
    }
    return {
      accessToken: this.vault.open(linkId, 'access_token', row.accessTokenEnc),
      refreshToken: this.vault.open(linkId, 'refresh_token', row.refreshTokenEnc),
    };
  }

  /**
   * Asks the provider whether the link's grant still stands by forcing one refresh: false when the provider
   * refuses the refresh token (the link is then needs_reauth), true when it issued a new pair.
   */
  async grantIsValid(linkId: number): Promise<boolean> {
    const stored = await this.storedTokens(linkId);
    if (stored === undefined) {
      return false;
    }
    try {
      await this.refresh(linkId, stored.accessToken);
      return true;
    } catch (err) {
      if (err instanceof LinkNotUsableError) {
        return false;
      }
      throw err;
    }
  }

  /** Calls `fn` with an access token; if the provider refuses it, refreshes (single-flight) and retries once. */
  async withAccessToken<T>(linkId: number, fn: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken(linkId);
    try {
      return await fn(token);
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) {
        throw err;
      }
      return fn(await this.refresh(linkId, token));
    }
  }

  /**
   * Refreshes under the row lock. With `rejected`, refreshes only if the stored token is still the one the
   * provider refused; otherwise only if the stored token is due. Either way a caller that waited returns the
   * token its predecessor stored.
   */
  async refresh(linkId: number, rejected?: string): Promise<string> {
    const lockMs = this.config.linking.tokenLockTimeoutMs;
    let outcome: { token: string } | { reauth: InvalidGrantError };
    try {
      outcome = await this.repo.withLockedRow(linkId, lockMs, async (m, found) => {
        const row = usable(linkId, found);
        const current = this.vault.open(linkId, 'access_token', row.accessTokenEnc);
        if (rejected === undefined ? !isDue(row, new Date()) : current !== rejected) {
          return { token: current };
        }
        let fresh: TokenSet;
        try {
          const refreshToken = this.vault.open(linkId, 'refresh_token', row.refreshTokenEnc);
          fresh = await this.adapters
            .auth(row.providerType)
            .refresh(refreshToken, AbortSignal.timeout(this.config.linking.tokenCallTimeoutMs));
        } catch (err) {
          if (!(err instanceof InvalidGrantError)) {
            throw err;
          }
          // The row was read under the lock, so no other process refreshed it meanwhile: the grant is gone.
          await this.repo.markNeedsReauth(m, linkId);
          await this.audit.record(
            {
              actor: 'system',
              action: 'link.needs_reauth',
              ehrUserId: row.ehrUserId,
              provider: row.providerType,
              linkId,
              details: { reason: 'invalid_grant' },
            },
            m,
          );
          return { reauth: err };
        }
        const issuedAt = new Date();
        await this.repo.saveTokens(m, linkId, this.vault.seal(linkId, fresh), {
          issuedAt,
          expiresAt: new Date(issuedAt.getTime() + fresh.expiresInS * 1000),
        });
        return { token: fresh.accessToken };
      });
    } catch (err) {
      const code = (err as { driverError?: { code?: string }; code?: string }).driverError?.code;
      if (code !== undefined && LOCK_TIMEOUT_CODES.has(code)) {
        throw new ProviderCallError(`token refresh of link ${linkId} is busy elsewhere`, true);
      }
      throw err;
    }
    if ('reauth' in outcome) {
      this.logger.warn(`link ${linkId} needs re-authorization: ${outcome.reauth.message}`);
      throw new LinkNotUsableError(linkId, 'needs_reauth');
    }
    return outcome.token;
  }
}

type UsableRow = TokenRow & { accessTokenEnc: string; refreshTokenEnc: string };

function usable(linkId: number, row: TokenRow | undefined): UsableRow {
  if (row === undefined) {
    throw new LinkNotUsableError(linkId, 'missing');
  }
  if (row.status !== 'active' || row.accessTokenEnc === null || row.refreshTokenEnc === null) {
    throw new LinkNotUsableError(linkId, row.status === 'active' ? 'without tokens' : row.status);
  }
  return row as UsableRow;
}

function isDue(row: TokenRow, now: Date): boolean {
  if (row.tokenExpiresAt === null) {
    return true;
  }
  const expires = new Date(row.tokenExpiresAt).getTime();
  const issued = row.tokenIssuedAt === null ? expires : new Date(row.tokenIssuedAt).getTime();
  return now.getTime() >= issued + (expires - issued) * REFRESH_AT_FRACTION;
}
