import { createHash } from 'node:crypto';
import { DAY_MS, SECOND_MS, type SimClock } from '../shared/clock.js';
import type { DeterministicIds } from '../shared/ids.js';

export const ACCESS_TOKEN_LIFETIME_MS = 3600 * SECOND_MS;
/** Google reports a second less than the real lifetime; clients that refresh on expires_in stay ahead. */
export const EXPIRES_IN_S = 3599;
/** Not stated in the research; Google's codes are short-lived and this is the commonly observed bound. */
export const CODE_TTL_MS = 10 * 60 * SECOND_MS;
export const REFRESH_UNUSED_TTL_MS = 183 * DAY_MS;

export interface GoogleUser {
  readonly healthUserId: string;
  readonly legacyUserId: string;
}

interface Code {
  readonly healthUserId: string;
  readonly redirectUri: string;
  readonly scope: string;
  readonly challenge: string;
  readonly withRefreshToken: boolean;
  readonly issuedAt: number;
  used: boolean;
}

interface RefreshToken {
  readonly healthUserId: string;
  readonly scope: string;
  lastUsedAt: number;
}

interface AccessToken {
  readonly healthUserId: string;
  readonly scope: string;
  readonly expiresAt: number;
}

export interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  token_type: 'Bearer';
}

export type Outcome = { ok: true; value: TokenResponse } | { ok: false; error: string; description: string };
export type AuthResult =
  | { ok: true; user: GoogleUser; scopes: readonly string[] }
  | { ok: false; reason: 'missing' | 'expired' | 'invalid' };

/**
 * Users, grants and tokens of one simulated Google account system. A grant is one user's consent to this
 * client; revoking any of its tokens, or the user removing the app, ends the grant and every token in it.
 */
export class GoogleState {
  readonly users = new Map<string, GoogleUser>();
  /** Users with a live grant; the first consent after none is what yields a refresh token. */
  private readonly grants = new Set<string>();
  private readonly codes = new Map<string, Code>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly accessTokens = new Map<string, AccessToken>();
  /** Every code and token ever handed out, revoked or not: what must never show up in the service's logs. */
  readonly issued = new Set<string>();

  constructor(
    private readonly clock: SimClock,
    private readonly ids: DeterministicIds,
  ) {}

  issueCode(input: {
    healthUserId: string;
    redirectUri: string;
    scope: string;
    challenge: string;
    offline: boolean;
    forceConsent: boolean;
  }): string {
    const firstConsent = !this.grants.has(input.healthUserId);
    this.grants.add(input.healthUserId);
    const code = `4/0A${this.ids.base64url('code', 68)}`;
    this.issued.add(code);
    this.codes.set(code, {
      healthUserId: input.healthUserId,
      redirectUri: input.redirectUri,
      scope: input.scope,
      challenge: input.challenge,
      withRefreshToken: input.offline && (firstConsent || input.forceConsent),
      issuedAt: this.clock.now(),
      used: false,
    });
    return code;
  }

  redeemCode(code: string, redirectUri: string, verifier: string | null): Outcome {
    const entry = this.codes.get(code);
    if (
      !entry ||
      entry.used ||
      this.clock.now() - entry.issuedAt > CODE_TTL_MS ||
      !this.grants.has(entry.healthUserId)
    ) {
      return { ok: false, error: 'invalid_grant', description: 'Bad Request' };
    }
    if (entry.redirectUri !== redirectUri) {
      return { ok: false, error: 'redirect_uri_mismatch', description: 'Bad Request' };
    }
    if (verifier === null) {
      return { ok: false, error: 'invalid_grant', description: 'Missing code verifier.' };
    }
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || s256(verifier) !== entry.challenge) {
      return { ok: false, error: 'invalid_grant', description: 'Invalid code verifier.' };
    }
    entry.used = true;
    const response = this.issueAccess(entry.healthUserId, entry.scope);
    if (entry.withRefreshToken) {
      const refreshToken = `1//0g${this.ids.base64url('refresh', 98)}`;
      this.issued.add(refreshToken);
      this.refreshTokens.set(refreshToken, {
        healthUserId: entry.healthUserId,
        scope: entry.scope,
        lastUsedAt: this.clock.now(),
      });
      response.refresh_token = refreshToken;
    }
    return { ok: true, value: response };
  }

  /** Google does not rotate refresh tokens: the same one keeps working until revoked or unused for 6 months. */
  refresh(refreshToken: string): Outcome {
    const entry = this.refreshTokens.get(refreshToken);
    if (!entry || this.clock.now() - entry.lastUsedAt >= REFRESH_UNUSED_TTL_MS) {
      return { ok: false, error: 'invalid_grant', description: 'Token has been expired or revoked.' };
    }
    entry.lastUsedAt = this.clock.now();
    return { ok: true, value: this.issueAccess(entry.healthUserId, entry.scope) };
  }

  authenticate(accessToken: string | undefined): AuthResult {
    if (accessToken === undefined) {
      return { ok: false, reason: 'missing' };
    }
    const entry = this.accessTokens.get(accessToken);
    const user = entry && this.users.get(entry.healthUserId);
    if (!entry || !user) {
      return { ok: false, reason: 'invalid' };
    }
    return this.clock.now() >= entry.expiresAt
      ? { ok: false, reason: 'expired' }
      : { ok: true, user, scopes: entry.scope.split(' ') };
  }

  /** The /revoke endpoint: true when the token named a live grant, which is then ended. */
  revokeToken(token: string): boolean {
    const refresh = this.refreshTokens.get(token);
    const access = this.accessTokens.get(token);
    const healthUserId =
      refresh?.healthUserId ??
      (access && this.clock.now() < access.expiresAt ? access.healthUserId : undefined);
    if (healthUserId === undefined) {
      return false;
    }
    this.endGrant(healthUserId);
    return true;
  }

  hasGrant(healthUserId: string): boolean {
    return this.grants.has(healthUserId);
  }

  endGrant(healthUserId: string): void {
    this.grants.delete(healthUserId);
    for (const map of [this.refreshTokens, this.accessTokens]) {
      for (const [token, entry] of map) {
        if (entry.healthUserId === healthUserId) {
          map.delete(token);
        }
      }
    }
  }

  private issueAccess(healthUserId: string, scope: string): TokenResponse {
    const accessToken = `ya29.a0Af${this.ids.base64url('access', 200)}`;
    this.issued.add(accessToken);
    this.accessTokens.set(accessToken, {
      healthUserId,
      scope,
      expiresAt: this.clock.now() + ACCESS_TOKEN_LIFETIME_MS,
    });
    return { access_token: accessToken, expires_in: EXPIRES_IN_S, scope, token_type: 'Bearer' };
  }
}

export const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');
