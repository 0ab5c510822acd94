import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { callProvider, isRecord } from '../auth/http.js';
import {
  InvalidGrantError,
  InvalidTokenError,
  ProviderCallError,
  type ProviderIdentity,
  type TokenSet,
} from '../auth/provider-auth.js';

/** Google OAuth (token, revoke) and the Health API identity lookup, with Google's error shapes. */
@Injectable()
export class GoogleOAuthClient {
  constructor(private readonly config: AppConfig) {}

  private get settings() {
    return this.config.linking.googleHealth;
  }

  /** POST {token url}; `previousRefreshToken` is kept when Google (which does not rotate) sends none back. */
  async token(
    grant: Record<string, string>,
    signal: AbortSignal,
    previousRefreshToken?: string,
  ): Promise<TokenSet> {
    const client = this.settings.client;
    if (client === undefined) {
      throw new ProviderCallError('Google client is not configured', false);
    }
    const answer = await callProvider(
      this.settings.tokenUrl,
      { form: { ...grant, client_id: client.clientId, client_secret: client.clientSecret } },
      signal,
    );
    const body = isRecord(answer.json) ? answer.json : {};
    if (answer.status !== 200) {
      const error = typeof body['error'] === 'string' ? body['error'] : `HTTP ${answer.status}`;
      if (error === 'invalid_grant' && grant['grant_type'] === 'refresh_token') {
        throw new InvalidGrantError('Google: refresh token expired or revoked');
      }
      throw new ProviderCallError(
        `Google token endpoint: ${error}`,
        answer.status >= 500 || answer.status === 429,
      );
    }
    const refresh = typeof body['refresh_token'] === 'string' ? body['refresh_token'] : previousRefreshToken;
    if (typeof body['access_token'] !== 'string' || refresh === undefined) {
      // Without access_type=offline (or on a repeat consent without prompt=consent) no refresh token comes back.
      throw new ProviderCallError('Google token answer lacks an access or refresh token', false);
    }
    return {
      accessToken: body['access_token'],
      refreshToken: refresh,
      expiresInS: Number(body['expires_in'] ?? 3599),
      scopes: typeof body['scope'] === 'string' ? body['scope'].split(' ').filter(Boolean) : [],
    };
  }

  /** POST {revoke url} token=…; 400 invalid_token means it is already dead, which is what we want. */
  async revoke(token: string, signal: AbortSignal): Promise<void> {
    const answer = await callProvider(this.settings.revokeUrl, { form: { token } }, signal);
    const error = isRecord(answer.json) ? answer.json['error'] : undefined;
    if (answer.status !== 200 && !(answer.status === 400 && error === 'invalid_token')) {
      throw new ProviderCallError(`Google revoke answered HTTP ${answer.status}`, answer.status >= 500);
    }
  }

  /** GET /v4/users/me/identity → healthUserId (stable, what webhooks name) and legacyUserId (old Fitbit id). */
  async identity(accessToken: string, signal: AbortSignal): Promise<ProviderIdentity> {
    const answer = await callProvider(
      `${this.settings.apiBaseUrl}/v4/users/me/identity`,
      { method: 'GET', headers: { authorization: `Bearer ${accessToken}` } },
      signal,
    );
    if (answer.status === 401) {
      throw new InvalidTokenError('Google Health API refused the access token');
    }
    const body = isRecord(answer.json) ? answer.json : {};
    if (answer.status !== 200 || typeof body['healthUserId'] !== 'string') {
      throw new ProviderCallError(
        `Google Health identity answered HTTP ${answer.status}`,
        answer.status >= 500,
      );
    }
    const legacy = body['legacyUserId'];
    return {
      externalUserId: body['healthUserId'],
      legacyUserId: typeof legacy === 'string' && legacy !== '' ? legacy : null,
    };
  }
}
