import { DAY_MS, HOUR_MS, SECOND_MS, type SimClock } from '../shared/clock.js';
import type { DeterministicIds } from '../shared/ids.js';

export const ACCESS_TOKEN_TTL_S = 10_800;
export const CODE_TTL_MS = 30 * SECOND_MS;
/** The old refresh token survives a rotation this long, unless the new access token is used first (A1). */
export const ROTATION_GRACE_MS = 8 * HOUR_MS;
export const REFRESH_TOKEN_TTL_MS = 365 * DAY_MS;

interface AuthCode {
  readonly userid: number;
  readonly redirectUri: string;
  readonly scope: string;
  readonly issuedAt: number;
  used: boolean;
}

interface AccessToken {
  readonly userid: number;
  readonly scope: string;
  readonly expiresAt: number;
  firstUsedAt?: number;
}

interface RefreshToken {
  readonly userid: number;
  readonly scope: string;
  readonly issuedAt: number;
  /** Set by the first rotation away from this token; later reuse inside the grace window keeps it. */
  supersededAt?: number;
  /** Access tokens minted by rotating this token; the first use of any of them ends the grace window. */
  readonly successors: string[];
}

export interface TokenBody {
  readonly userid: number | string;
  readonly access_token: string;
  readonly refresh_token: string;
  readonly expires_in: number;
  readonly scope: string;
  readonly csrf_token: string;
  readonly token_type: 'Bearer';
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** Users, codes and tokens of one simulated Withings cloud. */
export class WithingsState {
  readonly users = new Set<number>();
  private readonly revokedAt = new Map<number, number>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  /** Every code and token ever handed out, revoked or not: what must never show up in the service's logs. */
  readonly issued = new Set<string>();

  constructor(
    private readonly clock: SimClock,
    private readonly ids: DeterministicIds,
    private readonly useridAsString: boolean,
  ) {}

  issueCode(userid: number, redirectUri: string, scope: string): string {
    const code = this.ids.hex('code', 40);
    this.issued.add(code);
    this.codes.set(code, { userid, redirectUri, scope, issuedAt: this.clock.now(), used: false });
    // A fresh consent re-links a user who had revoked access.
    this.revokedAt.delete(userid);
    return code;
  }

  redeemCode(code: string, redirectUri: string): Outcome<TokenBody> {
    const entry = this.codes.get(code);
    if (!entry || entry.used || this.clock.now() - entry.issuedAt > CODE_TTL_MS) {
      return { ok: false, error: 'Invalid Params: invalid code' };
    }
    if (entry.redirectUri !== redirectUri) {
      return { ok: false, error: 'Invalid Params: invalid redirect_uri' };
    }
    entry.used = true;
    return { ok: true, value: this.issuePair(entry.userid, entry.scope) };
  }

  rotate(refreshToken: string): Outcome<TokenBody> {
    const entry = this.refreshTokens.get(refreshToken);
    if (!entry || !this.refreshTokenUsable(entry)) {
      return { ok: false, error: 'Invalid Params: invalid refresh_token' };
    }
    const pair = this.issuePair(entry.userid, entry.scope);
    entry.supersededAt ??= this.clock.now();
    entry.successors.push(pair.access_token);
    return { ok: true, value: pair };
  }

  /** Resolves a Bearer token; the first successful use ends the grace window of the refresh token it replaced. */
  authenticate(accessToken: string | undefined): { userid: number; scope: string } | undefined {
    const entry = accessToken === undefined ? undefined : this.accessTokens.get(accessToken);
    if (!entry || this.clock.now() >= entry.expiresAt || this.isRevoked(entry.userid)) {
      return undefined;
    }
    entry.firstUsedAt ??= this.clock.now();
    return { userid: entry.userid, scope: entry.scope };
  }

  revoke(userid: number): void {
    this.revokedAt.set(userid, this.clock.now());
    for (const [token, entry] of this.accessTokens) {
      if (entry.userid === userid) {
        this.accessTokens.delete(token);
      }
    }
    for (const [token, entry] of this.refreshTokens) {
      if (entry.userid === userid) {
        this.refreshTokens.delete(token);
      }
    }
  }

  isRevoked(userid: number): boolean {
    return this.revokedAt.has(userid);
  }

  private refreshTokenUsable(entry: RefreshToken): boolean {
    const now = this.clock.now();
    if (this.isRevoked(entry.userid) || now - entry.issuedAt >= REFRESH_TOKEN_TTL_MS) {
      return false;
    }
    if (entry.supersededAt === undefined) {
      return true;
    }
    const successorUsed = entry.successors.some(
      (token) => this.accessTokens.get(token)?.firstUsedAt !== undefined,
    );
    return !successorUsed && now - entry.supersededAt < ROTATION_GRACE_MS;
  }

  private issuePair(userid: number, scope: string): TokenBody {
    const now = this.clock.now();
    const accessToken = this.ids.hex('access', 40);
    const refreshToken = this.ids.hex('refresh', 40);
    this.issued.add(accessToken);
    this.accessTokens.set(accessToken, { userid, scope, expiresAt: now + ACCESS_TOKEN_TTL_S * SECOND_MS });
    this.issued.add(refreshToken);
    this.refreshTokens.set(refreshToken, { userid, scope, issuedAt: now, successors: [] });
    return {
      userid: this.useridAsString ? String(userid) : userid,
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: ACCESS_TOKEN_TTL_S,
      scope,
      csrf_token: this.ids.alphanumeric('csrf', 32),
      token_type: 'Bearer',
    };
  }
}
