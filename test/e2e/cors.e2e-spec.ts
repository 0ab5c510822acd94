import type supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';

const ALLOWED = 'https://app.example';
const REFUSED = 'https://evil.example';
const STATUS = '/api/base/sync/status/?ehr_user_id=cors-nobody';

function preflight(t: TestApp, path: string, origin: string): supertest.Test {
  return t
    .http()
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'GET')
    .set('Access-Control-Request-Headers', 'authorization,accept');
}

function corsHeadersOf(res: supertest.Response): string[] {
  return Object.keys(res.headers).filter((h) => h.startsWith('access-control-'));
}

describe('CORS', () => {
  let on: TestApp;
  let credentials: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    [on, credentials, off] = await Promise.all([
      startApp({ CORS_ORIGINS: `${ALLOWED},http://127.0.0.1:3000` }),
      startApp({ CORS_ORIGINS: ALLOWED, CORS_ALLOW_CREDENTIALS: 'true', CORS_MAX_AGE_S: '86400' }),
      startApp(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([on.close(), credentials.close(), off.close()]);
  });

  it('should answer an allowed preflight with 204 before authentication, echoing the origin', async () => {
    const res = await preflight(on, STATUS, ALLOWED).expect(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-methods': 'GET,POST,PUT,DELETE,OPTIONS',
      'access-control-allow-headers': 'Authorization,Content-Type,Accept,X-Request-ID',
      'access-control-max-age': '600',
      'content-length': '0',
    });
    expect(res.headers['vary']).toMatch(/\bOrigin\b/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^req-/);
  });

  it('should expose the request id and rate-limit headers on an allowed request, errors included', async () => {
    const res = await on.http().get(STATUS).set('Origin', ALLOWED).expect(401);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-expose-headers']).toBe(
      'X-Request-ID,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset,Retry-After',
    );
    expect(res.headers['vary']).toMatch(/\bOrigin\b/);
    expect(res.body.error).toBe('authentication_required');
    const ok = await on.http().get('/api/base/providers/').set('Origin', 'http://127.0.0.1:3000').expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('http://127.0.0.1:3000');
  });

  it('should allow credentials and take the preflight max age only when configured', async () => {
    const pre = await preflight(credentials, STATUS, ALLOWED).expect(204);
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(pre.headers['access-control-max-age']).toBe('86400');
    const res = await credentials.http().get('/api/base/providers/').set('Origin', ALLOWED).expect(200);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const refused = await preflight(credentials, STATUS, REFUSED).expect(204);
    expect(corsHeadersOf(refused)).toEqual([]);
  });

  it('should keep helmet headers, which do not apply to CORS fetches', async () => {
    const res = await on.http().get('/api/base/providers/').set('Origin', ALLOWED).expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it.each([[REFUSED], ['https://app.example.evil.example'], ['http://app.example'], ['null']])(
    'should answer a preflight from %s without any CORS header',
    async (origin) => {
      const res = await preflight(on, STATUS, origin).expect(204);
      expect(corsHeadersOf(res)).toEqual([]);
      expect(res.headers['vary']).toMatch(/\bOrigin\b/);
    },
  );

  it('should give a refused origin the response without CORS headers', async () => {
    const res = await on.http().get('/api/base/providers/').set('Origin', REFUSED).expect(200);
    expect(corsHeadersOf(res)).toEqual([]);
    expect(res.headers['vary']).toMatch(/\bOrigin\b/);
  });

  it('should leave the webhooks untouched', async () => {
    const res = await on.http().get('/webhooks/health').set('Origin', ALLOWED);
    expect(corsHeadersOf(res)).toEqual([]);
    expect(res.headers['vary'] ?? '').not.toMatch(/\bOrigin\b/);
    const pre = await preflight(on, '/webhooks/withings/x', ALLOWED);
    expect(pre.status).not.toBe(204);
    expect(corsHeadersOf(pre)).toEqual([]);
  });

  it('should send no CORS headers at all when CORS_ORIGINS is unset', async () => {
    const res = await off.http().get('/api/base/providers/').set('Origin', ALLOWED).expect(200);
    expect(corsHeadersOf(res)).toEqual([]);
    expect(res.headers['vary'] ?? '').not.toMatch(/\bOrigin\b/);
    const pre = await preflight(off, STATUS, ALLOWED).expect(404);
    expect(corsHeadersOf(pre)).toEqual([]);
  });
});
