import { createHash, randomBytes } from 'node:crypto';
import { base64url, generateKeyPair, SignJWT } from 'jose';
import type supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createUser, newEhrUserId } from '../support/fixtures.js';
import { LocalIssuer } from '../support/jwks.js';

const ERROR_KEYS = ['details', 'error', 'message', 'request_id', 'timestamp'];

function statusOf(t: TestApp, ehrUserId: string, authorization?: string): supertest.Test {
  const req = t.http().get(`/api/base/sync/status/?ehr_user_id=${ehrUserId}`);
  return authorization === undefined ? req : req.set('Authorization', authorization);
}

function expectUnauthorized(res: supertest.Response): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(Object.keys(res.body as object).sort()).toEqual(ERROR_KEYS);
  expect(res.body).toMatchObject({ error: 'authentication_required', details: {} });
  expect(typeof res.body.timestamp).toBe('string');
  expect(res.body.request_id).toBe(res.headers['x-request-id']);
}

function expectReadsUser(res: supertest.Response, ehrUserId: string): void {
  expect(res.status).toBe(200);
  expect(res.body.ehr_user_id).toBe(ehrUserId);
  expect(Object.keys(res.body.providers as object)).toEqual(['withings', 'fitbit']);
  expect(res.body.providers.withings).toEqual({
    status: 'no_recent_sync',
    last_sync: null,
    records_synced: null,
    errors: [],
  });
}

function expectUserNotFound(res: supertest.Response, ehrUserId: string): void {
  expect(res.status).toBe(404);
  expect(res.body).toEqual({
    error: 'not_found',
    message: `User ${ehrUserId} not found`,
    details: {},
    timestamp: expect.any(String),
    request_id: expect.any(String),
  });
}

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
    t = await startApp({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: 'ohe-api' });
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
    const normalize = (res: supertest.Response, id: string): object => ({
      ...(res.body as object),
      message: (res.body.message as string).replace(id, '<id>'),
      timestamp: null,
      request_id: null,
    });
    expect(normalize(other, userB)).toEqual(normalize(missing, ghost));
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

  it('should let a JWT read the user named by its sub, and answer 404 for another user', async () => {
    const token = await issuer.sign({ sub: userA });
    expectReadsUser(await statusOf(t, userA, `Bearer ${token}`), userA);
    expectUserNotFound(await statusOf(t, userB, `Bearer ${token}`), userB);
  });

  it('should let a JWT with the ohe:service scope read any user', async () => {
    const token = await issuer.sign({ sub: 'ehr-backend', scope: 'openid ohe:service' });
    expectReadsUser(await statusOf(t, userA, `Bearer ${token}`), userA);
    await statusOf(t, userB, `Bearer ${token}`).expect(200);
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
    const app = await startApp({
      OIDC_ISSUER: offline,
      OIDC_AUDIENCE: 'ohe-api',
      OIDC_JWKS_URL: `${issuer.issuer}/jwks`,
    });
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
    const app = await startApp({
      OIDC_ISSUER: issuer.issuer,
      OIDC_AUDIENCE: 'ohe-api',
      OIDC_USER_CLAIM: 'ehr_user_id',
    });
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

  it('should let every caller act for any user with AUTH_MODE=none', async () => {
    const app = await startApp({ AUTH_MODE: 'none' });
    try {
      expectReadsUser(await statusOf(app, userA), userA);
      await statusOf(app, userB).expect(200);
      const ghost = newEhrUserId('ghost');
      expectUserNotFound(await statusOf(app, ghost), ghost);
    } finally {
      await app.close();
    }
  });

  it('should refuse AUTH_MODE=none in production with a ConfigError naming AUTH_MODE', () => {
    const env = {
      DATABASE_URL: 'postgres://localhost/x',
      REDIS_URL: 'redis://localhost:6379',
      AUTH_MODE: 'none',
    };
    expect(loadConfig({ ...env, NODE_ENV: 'development' }).authMode).toBe('none');
    expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(/AUTH_MODE/);
  });
});
