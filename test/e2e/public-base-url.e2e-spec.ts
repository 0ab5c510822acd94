import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../support/app.js';
import { newEhrUserId } from '../support/fixtures.js';
import { startLinkingHarness, type LinkingHarness } from './linking.harness.js';

const PUBLIC = 'https://ohe.example.org';
const FORGED = [
  {},
  { Host: 'evil.example' },
  { Host: 'evil.example:8443', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http' },
];

describe('public URLs in production (PUBLIC_BASE_URL set)', () => {
  let h: LinkingHarness;

  beforeAll(async () => {
    h = await startLinkingHarness({ NODE_ENV: 'production', PUBLIC_BASE_URL: `${PUBLIC}/` });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should build pagination links from PUBLIC_BASE_URL whatever Host the client sends', async () => {
    for (const headers of FORGED) {
      const res = await supertest(h.base).get('/api/base/providers/?limit=1').set(headers).expect(200);
      expect(res.body.next).toBe(`${PUBLIC}/api/base/providers/?limit=1&offset=1`);
      const second = await supertest(h.base).get('/api/base/providers/?limit=1&offset=1').set(headers);
      expect(second.body.previous).toBe(`${PUBLIC}/api/base/providers/?limit=1&offset=0`);
    }
  });

  it.each(['withings', 'fitbit'])(
    'should send %s the OAuth redirect_uri under PUBLIC_BASE_URL whatever Host the client sends',
    async (provider) => {
      for (const headers of FORGED) {
        const res = await supertest(h.base)
          .get(`/api/base/link/${provider}/?ehr_user_id=${newEhrUserId('public-url')}`)
          .set(h.auth)
          .set(headers)
          .expect(302);
        const authorize = new URL(res.headers['location'] as string);
        expect(authorize.searchParams.get('redirect_uri')).toBe(
          `${PUBLIC}/api/base/link/${provider}/callback`,
        );
      }
    },
  );
});

describe('public URLs outside production without PUBLIC_BASE_URL', () => {
  it("should fall back to the request's own Host", async () => {
    const t = await startApp();
    try {
      const res = await t
        .http()
        .get('/api/base/providers/?limit=1')
        .set('Host', 'dev.local:8000')
        .expect(200);
      expect(res.body.next).toBe('http://dev.local:8000/api/base/providers/?limit=1&offset=1');
    } finally {
      await t.close();
    }
  });
});
