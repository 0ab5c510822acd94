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
import { WITHINGS } from './withings.descriptor.js';
import { WithingsApiClient } from './withings-api.client.js';

/**
 * Withings OAuth: authorize2 with comma-separated scopes; tokens from POST /v2/oauth2 action=requesttoken with the
 * client credentials in the form. Withings has no PKCE and no token revocation endpoint (unlink revokes the
 * notify subscriptions instead); every refresh rotates the refresh token, the old one living 8 h more.
 */
@Injectable()
export class WithingsAuth extends ProviderAuth {
  readonly type = WITHINGS.type;

  constructor(
    private readonly config: AppConfig,
    private readonly api: WithingsApiClient,
  ) {
    super();
  }

  get configured(): boolean {
    return this.config.linking.withings.client !== undefined;
  }

  strategy(store: PkceStateStore, callbackUrl: string): OAuth2Strategy {
    const settings = this.config.linking.withings;
    const client = settings.client;
    if (client === undefined) {
      throw new ProviderCallError('Withings client is not configured', false);
    }
    const timeoutMs = this.config.linking.tokenCallTimeoutMs;
    return new ProviderOAuthStrategy(
      {
        authorizationURL: settings.authorizeUrl,
        tokenURL: `${settings.apiBaseUrl}/v2/oauth2`,
        clientID: client.clientId,
        clientSecret: client.clientSecret,
        callbackURL: callbackUrl,
        scope: settings.scopes,
        scopeSeparator: ',',
        pkce: false,
        store,
      },
      (code, params) =>
        this.api.requestToken(
          { grant_type: 'authorization_code', code, redirect_uri: params['redirect_uri'] ?? callbackUrl },
          AbortSignal.timeout(timeoutMs),
        ),
      {},
    );
  }

  async refresh(refreshToken: string, signal: AbortSignal): Promise<TokenSet> {
    const grant = await this.api.requestToken(
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      signal,
    );
    return grant.tokens;
  }

  revoke(): Promise<void> {
    return Promise.resolve();
  }
}
