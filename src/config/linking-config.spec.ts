import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';
import { env, failure } from '../../test/support/config-env.js';

describe('linking settings', () => {
  const KEY = Buffer.alloc(32, 7).toString('base64');
  const CLIENT = { WITHINGS_CLIENT_ID: 'id', WITHINGS_CLIENT_SECRET: 'secret' };

  it('should boot without any provider client and apply the provider endpoint defaults', () => {
    const { linking } = loadConfig(env());
    expect(linking).toMatchObject({
      keyRing: undefined,
      redirectAllowlist: [],
      tokenCallTimeoutMs: 10_000,
      tokenLockTimeoutMs: 15_000,
      withings: {
        client: undefined,
        authorizeUrl: 'https://account.withings.com/oauth2_user/authorize2',
        apiBaseUrl: 'https://wbsapi.withings.net',
        scopes: ['user.info', 'user.metrics', 'user.activity'],
      },
      googleHealth: {
        authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
        tokenUrl: 'https://oauth2.googleapis.com/token',
        revokeUrl: 'https://oauth2.googleapis.com/revoke',
        apiBaseUrl: 'https://health.googleapis.com',
        subscriberId: 'ohe-webhooks',
      },
    });
  });

  it('should read a configured provider with its key ring, allow-list and webhook base', () => {
    const { linking } = loadConfig(
      env({
        ...CLIENT,
        TOKEN_KEYS: `new:${KEY},old:${KEY}`,
        LINK_STATE_SECRET: 'x'.repeat(32),
        LINK_REDIRECT_ALLOWLIST: 'https://app.example, https://portal.example/ehr/',
        PUBLIC_BASE_URL: 'https://ohe.example/',
        WITHINGS_API_BASE_URL: 'http://127.0.0.1:9999/',
      }),
    );
    expect(linking.keyRing?.currentKeyId).toBe('new');
    expect([...(linking.keyRing?.keys.keys() ?? [])]).toEqual(['new', 'old']);
    expect(linking.redirectAllowlist).toEqual(['https://app.example', 'https://portal.example/ehr/']);
    expect(linking.webhookBaseUrl).toBe('https://ohe.example');
    expect(linking.withings.client).toEqual({ clientId: 'id', clientSecret: 'secret' });
    expect(linking.withings.apiBaseUrl).toBe('http://127.0.0.1:9999');
  });

  it('should need TOKEN_KEYS and LINK_STATE_SECRET once a provider client is configured', () => {
    const message = failure(env(CLIENT));
    expect(message).toContain('TOKEN_KEYS is missing');
    expect(message).toContain('LINK_STATE_SECRET is missing');
  });

  it.each([
    [{ TOKEN_KEYS: 'k1:short' }, 'TOKEN_KEYS'],
    [{ LINK_STATE_SECRET: 'too-short' }, 'LINK_STATE_SECRET'],
    [{ LINK_REDIRECT_ALLOWLIST: 'app.example' }, 'LINK_REDIRECT_ALLOWLIST'],
    [{ WITHINGS_CLIENT_ID: 'only-id' }, 'WITHINGS_CLIENT_ID and WITHINGS_CLIENT_SECRET'],
    [{ TOKEN_CALL_TIMEOUT_MS: '5000', TOKEN_LOCK_TIMEOUT_MS: '5000' }, 'TOKEN_CALL_TIMEOUT_MS'],
    [{ WITHINGS_SCOPES: 'user.info user.metrics' }, 'WITHINGS_SCOPES'],
    [{ GOOGLE_CLOUD_PROJECT_NUMBER: 'my-project' }, 'GOOGLE_CLOUD_PROJECT_NUMBER'],
    [{ WITHINGS_WEBHOOK_SECRET: 'short' }, 'WITHINGS_WEBHOOK_SECRET'],
  ])('should refuse %j', (vars, name) => {
    expect(failure(env(vars))).toContain(name);
  });
});
