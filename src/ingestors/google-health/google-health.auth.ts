import { Injectable } from '@nestjs/common';
import type OAuth2Strategy from 'passport-oauth2';
import { AppConfig } from '../../config/app-config.js';
import { ProviderOAuthStrategy } from '../auth/oauth-strategy.js';
import {
  ProviderAuth,
  ProviderCallError,
  type PkceStateStore,
  type TokenSet,
} from '../auth/provider-auth.js';
import { FITBIT } from './fitbit.descriptor.js';
import { GoogleOAuthClient } from './google-oauth.client.js';

/**
 * Fitbit accounts through Google OAuth: access_type=offline and prompt=consent (so a refresh token always comes
 * back), PKCE S256, identity from the Health API. Google does not rotate refresh tokens; revoking one ends the
 * whole grant.
 */
@Injectable()
export class GoogleHealthAuth extends ProviderAuth {
  readonly type = FITBIT.type;

  constructor(
    private readonly config: AppConfig,
    private readonly google: GoogleOAuthClient,
  ) {
    super();
  }

  get configured(): boolean {
    return this.config.linking.googleHealth.client !== undefined;
  }

  strategy(store: PkceStateStore, callbackUrl: string): OAuth2Strategy {
    const settings = this.config.linking.googleHealth;
    if (settings.client === undefined) {
      throw new ProviderCallError('Google client is not configured', false);
    }
    return new ProviderOAuthStrategy(
      {
        authorizationURL: settings.authorizeUrl,
        tokenURL: settings.tokenUrl,
        clientID: settings.client.clientId,
        clientSecret: settings.client.clientSecret,
        callbackURL: callbackUrl,
        scope: settings.scopes,
        scopeSeparator: ' ',
        pkce: true,
        store,
      },
      async (code, params) => ({
        tokens: await this.google.token(
          {
            grant_type: 'authorization_code',
            code,
            redirect_uri: params['redirect_uri'] ?? callbackUrl,
            code_verifier: params['code_verifier'] ?? '',
          },
          this.signal(),
        ),
        identity: { externalUserId: '', legacyUserId: null },
      }),
      { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
      (accessToken) => this.google.identity(accessToken, this.signal()),
    );
  }

  refresh(refreshToken: string, signal: AbortSignal): Promise<TokenSet> {
    return this.google.token(
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      signal,
      refreshToken,
    );
  }

  async revoke(tokens: { accessToken: string | null; refreshToken: string | null }): Promise<void> {
    const token = tokens.refreshToken ?? tokens.accessToken;
    if (token !== null) {
      await this.google.revoke(token, this.signal());
    }
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.config.linking.tokenCallTimeoutMs);
  }
}
