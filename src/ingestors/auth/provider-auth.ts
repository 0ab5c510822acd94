import type OAuth2Strategy from 'passport-oauth2';
import type { NotificationIntent, NotificationPayload } from '../../common/domain/notification.js';

/** A token pair as a provider issued it. `scopes` are the granted ones, which may be fewer than requested. */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly expiresInS: number;
  readonly scopes: readonly string[];
}

/** Who the linked account is at the provider: Withings `userid`; Google `healthUserId` (+ legacy Fitbit id). */
export interface ProviderIdentity {
  readonly externalUserId: string;
  readonly legacyUserId: string | null;
}

/** What a successful authorization-code exchange yields. */
export interface LinkGrant {
  readonly tokens: TokenSet;
  readonly identity: ProviderIdentity;
}

/** The refresh token is dead (revoked, expired, or superseded past the grace): the patient must re-consent. */
export class InvalidGrantError extends Error {
  override readonly name = 'InvalidGrantError';
}

/** The provider rejected an access token: refresh and retry once. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/** A provider call failed for a reason a retry may cure (timeout, 5xx, rate limit). */
export class ProviderCallError extends Error {
  override readonly name: string = 'ProviderCallError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The passport-oauth2 state-store contract, with PKCE (arity 5 store, arity 4 verify). */
export interface PkceStateStore {
  store(
    req: unknown,
    verifier: string | undefined,
    state: unknown,
    meta: unknown,
    done: (err: Error | null, state?: string) => void,
  ): void;
  verify(
    req: unknown,
    state: string,
    meta: unknown,
    done: (err: Error | null, ok: string | boolean, info?: unknown) => void,
  ): void;
}

/**
 * One provider's OAuth side. The authorization redirect and the code exchange run through a passport-oauth2
 * strategy (built per request around the caller's state store); refresh and revocation are plain calls, because
 * passport-oauth2 has neither.
 */
export abstract class ProviderAuth {
  /** provider_type this adapter serves (`withings`, `fitbit`). */
  abstract readonly type: string;

  /** Whether client credentials are configured; linking answers 503 otherwise. */
  abstract get configured(): boolean;

  /** A strategy whose verify callback yields a LinkGrant as the passport "user". */
  abstract strategy(store: PkceStateStore, callbackUrl: string): OAuth2Strategy;

  /** Exchanges a refresh token; throws InvalidGrantError when it is permanently unusable. */
  abstract refresh(refreshToken: string, signal: AbortSignal): Promise<TokenSet>;

  /** Ends the grant at the provider where the provider has such an endpoint; no-op otherwise. */
  abstract revoke(tokens: { accessToken: string | null; refreshToken: string | null }): Promise<void>;
}

/** What one subscription check changed at the provider, by the provider's subscription name (Withings: appli). */
export interface SubscriptionRepair {
  /** Missing, now subscribed. */
  readonly added: readonly string[];
  /** Pointed at a callback URL of ours that is no longer current (a rotated secret): moved to the current one. */
  readonly replaced: readonly string[];
  /** Pointed at an old callback URL of ours with nothing current to replace: revoked. */
  readonly removed: readonly string[];
}

export const NO_REPAIR: SubscriptionRepair = { added: [], replaced: [], removed: [] };

/** A user's subscriptions as the provider has them, by subscription name; never the callback URLs (they hold secrets). */
export interface SubscriptionView {
  /** per_user: each user is subscribed (Withings); project: one subscriber for every user, nothing per link. */
  readonly scope: 'per_user' | 'project';
  /** current: on our callback URL; outdated: on an old one of ours (a rotated secret); missing: not subscribed. */
  readonly subscriptions: readonly {
    readonly name: string;
    readonly status: 'current' | 'outdated' | 'missing';
  }[];
}

/** Per-user notification subscriptions (Withings notify). Providers with project-level subscribers do nothing here. */
export abstract class ProviderNotifications {
  abstract readonly type: string;

  /**
   * Lists the user's subscriptions and repairs them: subscribes what is missing and moves those of ours that point
   * at an outdated callback URL to the current one. Idempotent.
   */
  abstract ensureSubscriptions(accessToken: string): Promise<SubscriptionRepair>;

  /** The user's subscriptions and whether each is whole, without changing anything. */
  abstract listSubscriptions(accessToken: string): Promise<SubscriptionView>;

  /** Removes every subscription of this user that points at us. */
  abstract unsubscribeAll(accessToken: string): Promise<void>;

  /**
   * What one inbox payload (written by this provider's webhook receiver) asks for: data types and the
   * provider's window, a revocation, or nothing. Pure: no I/O.
   */
  abstract interpret(payload: NotificationPayload): NotificationIntent;
}
