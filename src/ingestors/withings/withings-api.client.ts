import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { callProvider, isRecord } from '../auth/http.js';
import {
  InvalidGrantError,
  InvalidTokenError,
  ProviderCallError,
  type LinkGrant,
} from '../auth/provider-auth.js';

/** Withings `status` values that mean "authentication failed" (research A2). */
const AUTH_FAILED = new Set([100, 101, 102, 200, 401]);
/** Retryable: timeout, bad state, too many requests. */
const RETRYABLE = new Set([522, 524, 601]);

export interface NotifyProfile {
  readonly appli: number;
  readonly callbackurl: string;
}

/**
 * The Withings API host: every call is a form POST answered with HTTP 200 and `{status, body}`. Token calls carry
 * client_id/client_secret in the form (no Basic auth, no PKCE).
 */
@Injectable()
export class WithingsApiClient {
  constructor(private readonly config: AppConfig) {}

  private get settings() {
    return this.config.linking.withings;
  }

  /** POST /v2/oauth2 action=requesttoken, for both grants. */
  async requestToken(grant: Record<string, string>, signal: AbortSignal): Promise<LinkGrant> {
    const client = this.settings.client;
    if (client === undefined) {
      throw new ProviderCallError('Withings client is not configured', false);
    }
    const body = await this.call(
      '/v2/oauth2',
      { action: 'requesttoken', client_id: client.clientId, client_secret: client.clientSecret, ...grant },
      undefined,
      signal,
      grant['grant_type'] === 'refresh_token' ? 'grant' : 'code',
    );
    const userid = body['userid'];
    const access = body['access_token'];
    const refresh = body['refresh_token'];
    if (
      (typeof userid !== 'number' && typeof userid !== 'string') ||
      typeof access !== 'string' ||
      typeof refresh !== 'string'
    ) {
      throw new ProviderCallError('Withings token answer lacks userid or tokens', false);
    }
    return {
      tokens: {
        accessToken: access,
        refreshToken: refresh,
        expiresInS: Number(body['expires_in'] ?? 10_800),
        scopes: typeof body['scope'] === 'string' ? body['scope'].split(',').filter(Boolean) : [],
      },
      // WOAS types userid as an integer, the 2021 migration notice as a string: accept both.
      identity: { externalUserId: String(userid), legacyUserId: null },
    };
  }

  async notify(accessToken: string, form: Record<string, string>, signal: AbortSignal) {
    return this.call('/notify', form, accessToken, signal, 'token');
  }

  async listSubscriptions(accessToken: string, signal: AbortSignal): Promise<NotifyProfile[]> {
    const body = await this.notify(accessToken, { action: 'list' }, signal);
    const profiles = Array.isArray(body['profiles']) ? body['profiles'] : [];
    return profiles.filter(isRecord).map((p) => ({
      appli: Number(p['appli']),
      callbackurl: String(p['callbackurl']),
    }));
  }

  private async call(
    path: string,
    form: Record<string, string>,
    accessToken: string | undefined,
    signal: AbortSignal,
    authFailure: 'code' | 'grant' | 'token',
  ): Promise<Record<string, unknown>> {
    const headers = accessToken === undefined ? undefined : { authorization: `Bearer ${accessToken}` };
    const answer = await callProvider(
      `${this.settings.apiBaseUrl}${path}`,
      { form, ...(headers ? { headers } : {}) },
      signal,
    );
    if (answer.status !== 200 || !isRecord(answer.json)) {
      throw new ProviderCallError(`Withings ${path} answered HTTP ${answer.status}`, answer.status >= 500);
    }
    const status = Number(answer.json['status']);
    const error = typeof answer.json['error'] === 'string' ? answer.json['error'] : '';
    if (status === 0) {
      return isRecord(answer.json['body']) ? answer.json['body'] : {};
    }
    if (authFailure === 'grant' && (AUTH_FAILED.has(status) || status === 503)) {
      throw new InvalidGrantError(`Withings refused the refresh token (status ${status})`);
    }
    if (authFailure === 'token' && AUTH_FAILED.has(status)) {
      throw new InvalidTokenError(`Withings refused the access token (status ${status})`);
    }
    throw new ProviderCallError(`Withings ${path} status ${status}: ${error}`, RETRYABLE.has(status));
  }
}
