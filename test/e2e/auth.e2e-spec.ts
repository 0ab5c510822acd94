import { createHash, randomBytes } from 'node:crypto';
import { base64url, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser, newEhrUserId } from '../support/fixtures.js';
import { LocalIssuer } from '../support/jwks.js';
import {
  expectReadsUser,
  expectUnauthorized,
  expectUserNotFound,
  normalized,
  OIDC,
  statusOf,
} from './auth.helpers.js';

/** A token whose header names `alg`, with no valid RS256 signature. */
function unsignedToken(claims: Record<string, unknown>): string {
  const enc = (v: object): string => base64url.encode(JSON.stringify(v));
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}

describe('authentication', () => {
  const issuer = new LocalIssuer();
  let t: TestApp;
  let apiKeys: ApiKeyService;
  const userA = newEhrUserId('auth-a');
  const userB = newEhrUserId('auth-b');

  beforeAll(async () => {
    await issuer.start();
    t = await startApp({ ...OIDC, OIDC_ISSUER: issuer.issuer });
    apiKeys = t.app.get(ApiKeyService);
    await createLink(t.dataSource, await createUser(t.dataSource, userA), 'withings');
    await createUser(t.dataSource, userB);
  });
  afterAll(async () => {
    await t.close();
    await issuer.stop();
  });

  it('should answer 401 authentication_required with WWW-Authenticate: Bearer when Authorization is missing', async () => {
    const res = await statusOf(t, userA);
    expectUnauthorized(res);
    expect(res.body.message).toBe('Authentication required');
  });

  it.each(['Basic x', 'Bearer', 'Bearer ', 'Bearer a b'])(
    'should answer 401 for the malformed header %j',
    async (h) => {
      expectUnauthorized(await statusOf(t, userA, h));
    },
  );

  it('should answer 401 for an unknown ohe_ API key and for a random non-ohe token', async () => {
    const unknown = await statusOf(t, userA, `Bearer ohe_${randomBytes(32).toString('base64url')}`);
    expectUnauthorized(unknown);
    expect(unknown.body.message).toBe('Invalid or expired credentials');
    expectUnauthorized(await statusOf(t, userA, `Bearer ${randomBytes(24).toString('hex')}`));
  });

  it('should let a service API key read any user', async () => {
    const { key } = await apiKeys.create({ name: 'ehr-backend', role: 'service' });
    expectReadsUser(await statusOf(t, userA, `Bearer ${key}`), userA);
    const b = await statusOf(t, userB, `Bearer ${key}`).expect(200);
    expect(b.body.ehr_user_id).toBe(userB);
  });

  it('should let a patient key read only its own user, answering 404 for another as for an unknown user', async () => {
    const { key } = await apiKeys.create({ name: 'patient-a', role: 'patient', ehrUserId: userA });
    expectReadsUser(await statusOf(t, userA, `Bearer ${key}`), userA);

    const ghost = newEhrUserId('ghost');
    const other = await statusOf(t, userB, `Bearer ${key}`);
    const missing = await statusOf(t, ghost, `Bearer ${key}`);
    expectUserNotFound(other, userB);
    expectUserNotFound(missing, ghost);
    expect(normalized(other, userB)).toEqual(normalized(missing, ghost));
    // The same holds on the other user routes.
    expectUserNotFound(
      await t
        .http()
        .get(`/api/base/sync/providers/?ehr_user_id=${userB}`)
        .set('Authorization', `Bearer ${key}`),
      userB,
    );
    expectUserNotFound(
      await t
        .http()
        .get(`/api/base/link/withings/status/?ehr_user_id=${userB}`)
        .set('Authorization', `Bearer ${key}`),
      userB,
    );
  });

  it('should refuse a revoked key and an expired key with 401', async () => {
    const revoked = await apiKeys.create({ name: 'to-revoke', role: 'service' });
    await statusOf(t, userA, `Bearer ${revoked.key}`).expect(200);
    expect(await apiKeys.revoke(revoked.id)).toBe(true);
    expectUnauthorized(await statusOf(t, userA, `Bearer ${revoked.key}`));

    const expired = await apiKeys.create({
      name: 'expired',
      role: 'service',
      expiresAt: new Date(Date.now() - 1000),
    });
    expectUnauthorized(await statusOf(t, userA, `Bearer ${expired.key}`));
  });

  it('should store only the SHA-256 of a key, never the key itself', async () => {
    const { id, key } = await apiKeys.create({ name: 'hash-check', role: 'patient', ehrUserId: userA });
    const rows: Record<string, unknown>[] = await t.dataSource.query('SELECT * FROM api_keys WHERE id = $1', [
      id,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!['key_hash']).toBe(createHash('sha256').update(key).digest('hex'));
    const stored = JSON.stringify(rows[0]);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice('ohe_'.length));
  });

  it('should refuse JWTs with a wrong audience, a wrong issuer or a past expiry', async () => {
    const tokens = [
      await issuer.sign({ sub: userA }, { audience: 'another-api' }),
      await issuer.sign({ sub: userA }, { issuer: 'http://127.0.0.1:1/evil' }),
      await issuer.sign({ sub: userA }, { expiresIn: Math.floor(Date.now() / 1000) - 120 }),
    ];
    for (const token of tokens) {
      expectUnauthorized(await statusOf(t, userA, `Bearer ${token}`));
    }
  });

  it('should refuse a JWT signed by another key, and alg none or HS256 tokens', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    expectUnauthorized(
      await statusOf(t, userA, `Bearer ${await issuer.sign({ sub: userA }, { key: privateKey })}`),
    );

    const claims = {
      sub: userA,
      iss: issuer.issuer,
      aud: 'ohe-api',
      exp: Math.floor(Date.now() / 1000) + 3600,
    };
    expectUnauthorized(await statusOf(t, userA, `Bearer ${unsignedToken(claims)}`));
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(randomBytes(32));
    expectUnauthorized(await statusOf(t, userA, `Bearer ${hs256}`));
  });

  it('should verify JWTs against an explicit OIDC_JWKS_URL without discovery', async () => {
    // Nothing listens at this issuer, so only the explicit JWKS URL can make the token verifiable.
    const offline = 'http://127.0.0.1:1/idp';
    const app = await startApp({ ...OIDC, OIDC_ISSUER: offline, OIDC_JWKS_URL: `${issuer.issuer}/jwks` });
    try {
      const before = issuer.jwksRequests;
      expectReadsUser(
        await statusOf(app, userA, `Bearer ${await issuer.sign({ sub: userA }, { issuer: offline })}`),
        userA,
      );
      expect(issuer.jwksRequests).toBeGreaterThan(before);
      expectUnauthorized(await statusOf(app, userA, `Bearer ${await issuer.sign({ sub: userA })}`));
    } finally {
      await app.close();
    }
  });

  it('should take the user from OIDC_USER_CLAIM instead of sub when configured', async () => {
    const app = await startApp({ ...OIDC, OIDC_ISSUER: issuer.issuer, OIDC_USER_CLAIM: 'ehr_user_id' });
    try {
      const token = await issuer.sign({ sub: userB, ehr_user_id: userA });
      expectReadsUser(await statusOf(app, userA, `Bearer ${token}`), userA);
      expectUserNotFound(await statusOf(app, userB, `Bearer ${token}`), userB);
      expectUnauthorized(await statusOf(app, userB, `Bearer ${await issuer.sign({ sub: userB })}`));
    } finally {
      await app.close();
    }
  });

  it('should serve the public routes without credentials', async () => {
    for (const path of [
      '/api/base/providers/',
      '/api/base/providers/capabilities/',
      '/api/metrics/live',
      '/api/metrics/health',
    ]) {
      const res = await t.http().get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('should let every caller act for any user with AUTH_MODE=none on a loopback HOST', async () => {
    const app = await startApp({ AUTH_MODE: 'none', HOST: '127.0.0.1' });
    try {
      expectReadsUser(await statusOf(app, userA), userA);
      await statusOf(app, userB).expect(200);
      const ghost = newEhrUserId('ghost');
      expectUserNotFound(await statusOf(app, ghost), ghost);
    } finally {
      await app.close();
    }
  });

  it('should refuse AUTH_MODE=none unless HOST is loopback, in any NODE_ENV, with a ConfigError naming AUTH_MODE', () => {
    const env = {
      DATABASE_URL: 'postgres://localhost/x',
      REDIS_URL: 'redis://localhost:6379',
      PUBLIC_BASE_URL: 'https://ohe.example.org',
      AUTH_MODE: 'none',
    };
    for (const NODE_ENV of ['development', 'test', 'production']) {
      expect(loadConfig({ ...env, NODE_ENV, HOST: '::1' }).authMode).toBe('none');
      expect(() => loadConfig({ ...env, NODE_ENV })).toThrow(ConfigError);
      expect(() => loadConfig({ ...env, NODE_ENV, HOST: '10.0.0.4' })).toThrow(
        /^Invalid configuration: AUTH_MODE /,
      );
    }
  });
});
