import OAuth2Strategy from 'passport-oauth2';
import type { LinkGrant, PkceStateStore, ProviderIdentity, TokenSet } from './provider-auth.js';

export interface StrategySettings {
  readonly authorizationURL: string;
  readonly tokenURL: string;
  readonly clientID: string;
  readonly clientSecret: string;
  readonly callbackURL: string;
  readonly scope: readonly string[];
  readonly scopeSeparator: string;
  readonly pkce: boolean;
  readonly store: PkceStateStore;
}

/** How a provider exchanges a code; replaces node-oauth's exchange (no timeout, standard-only answers). */
export type CodeExchange = (code: string, params: Record<string, string>) => Promise<LinkGrant>;

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, results?: unknown) => void;

/**
 * A passport-oauth2 strategy whose code exchange is the provider's own (Withings' action=requesttoken answering
 * HTTP 200 with {status, body}; Google with a timeout and its error shapes). Everything else — authorize URL,
 * state store, PKCE S256 challenge and verifier, the verify callback — is passport-oauth2's.
 */
export class ProviderOAuthStrategy extends OAuth2Strategy {
  constructor(
    settings: StrategySettings,
    exchange: CodeExchange,
    private readonly extraAuthorizeParams: Record<string, string>,
    private readonly identify?: (accessToken: string) => Promise<ProviderIdentity>,
  ) {
    super(
      {
        authorizationURL: settings.authorizationURL,
        tokenURL: settings.tokenURL,
        clientID: settings.clientID,
        clientSecret: settings.clientSecret,
        callbackURL: settings.callbackURL,
        scope: [...settings.scope],
        scopeSeparator: settings.scopeSeparator,
        pkce: settings.pkce,
        state: true,
        store: settings.store as unknown as OAuth2Strategy.StateStore,
        skipUserProfile: identify === undefined,
      },
      (
        _access: string,
        _refresh: string,
        results: LinkGrant,
        profile: ProviderIdentity | undefined,
        done: OAuth2Strategy.VerifyCallback,
      ) => {
        done(null, { tokens: results.tokens, identity: profile ?? results.identity } satisfies LinkGrant);
      },
    );
    this._oauth2.getOAuthAccessToken = ((code: string, params: Record<string, string>, cb: TokenCallback) => {
      exchange(code, params).then(
        (grant) => {
          cb(null, grant.tokens.accessToken, grant.tokens.refreshToken, grant);
        },
        (err: unknown) => {
          cb(err);
        },
      );
    }) as never;
  }

  override authorizationParams(): object {
    return { ...this.extraAuthorizeParams };
  }

  override userProfile(accessToken: string, done: (err?: unknown, profile?: unknown) => void): void {
    if (this.identify === undefined) {
      done(null, undefined);
      return;
    }
    this.identify(accessToken).then(
      (identity) => {
        done(null, identity);
      },
      (err: unknown) => {
        done(err);
      },
    );
  }
}

export type { TokenSet };
