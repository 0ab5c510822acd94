import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';

const SECRET = 'withings-hook-secret-0123456789';
const HOOK = `/webhooks/withings/${SECRET}`;
const PROVIDERS = '/api/base/providers/';
const WITHINGS_NET = '89.30.121.0/24';
const WITHINGS_HOST = '89.30.121.150';
const LIMIT = 3;

/**
 * The real app listening on 127.0.0.1, reached over HTTP, so req.ip comes from the socket (127.0.0.1) and
 * X-Forwarded-For as Express reads it under the given TRUST_PROXY.
 */
async function listening(env: Record<string, string>): Promise<{ t: TestApp; base: string }> {
  const t = await startApp({
    ROLE: 'api',
    RATE_LIMIT_PROVIDER_INFO: String(LIMIT),
    WITHINGS_WEBHOOK_SECRET: SECRET,
    WITHINGS_WEBHOOK_IP_ALLOWLIST: WITHINGS_NET,
    ...env,
  });
  await t.app.listen(0, '127.0.0.1');
  return { t, base: await t.app.getUrl() };
}

/** A request to the listening app, with the X-Forwarded-For header given (none when undefined). */
function request(base: string, method: 'get' | 'head', path: string, xff?: string): supertest.Test {
  const req = supertest(base)[method](path);
  return xff === undefined ? req : req.set('X-Forwarded-For', xff);
}

describe('client addresses without TRUST_PROXY', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    ({ t, base } = await listening({}));
  });
  afterAll(async () => {
    await t.close();
  });

  it('should not let a spoofed X-Forwarded-For pass the Withings allow-list', async () => {
    for (const xff of [WITHINGS_HOST, `${WITHINGS_HOST}, 127.0.0.1`, `127.0.0.1, ${WITHINGS_HOST}`]) {
      const res = await request(base, 'head', HOOK, xff);
      expect({ xff, status: res.status }).toEqual({ xff, status: 403 });
    }
  });

  it('should rate-limit per connection address however X-Forwarded-For rotates', async () => {
    const statuses = [];
    for (let i = 1; i <= LIMIT + 3; i++) {
      statuses.push((await request(base, 'get', PROVIDERS, `198.51.100.${i}`)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });
});

describe.each(['1', 'loopback'])('client addresses behind one trusted proxy (TRUST_PROXY=%s)', (trust) => {
  let t: TestApp;
  let base: string;
  /**
   * This test is the proxy: it connects from 127.0.0.1 and appends the address its client connected from to
   * whatever X-Forwarded-For the client sent, as nginx's $proxy_add_x_forwarded_for does.
   */
  const viaProxy = (method: 'get' | 'head', path: string, client: string, sent?: string): supertest.Test =>
    request(base, method, path, sent === undefined ? client : `${sent}, ${client}`);

  beforeAll(async () => {
    ({ t, base } = await listening({ TRUST_PROXY: trust }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('should pass the Withings allow-list on the address the proxy saw, never on a spoofed left entry', async () => {
    await viaProxy('head', HOOK, WITHINGS_HOST).expect(200);
    await viaProxy('head', HOOK, '203.0.113.9', WITHINGS_HOST).expect(403);
    await viaProxy('head', HOOK, '203.0.113.9', `${WITHINGS_HOST}, ${WITHINGS_HOST}`).expect(403);
    // Without the header, the client is the proxy itself, which is no Withings address.
    await request(base, 'head', HOOK).expect(403);
  });

  it('should rate-limit a client by the address the proxy appended, whatever it writes left of it', async () => {
    const mallory = '203.0.113.66';
    const statuses = [];
    for (let i = 1; i <= LIMIT + 3; i++) {
      statuses.push((await viaProxy('get', PROVIDERS, mallory, `198.51.100.${i}`)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    // Another client behind the same proxy keeps a budget of its own.
    const alice = await viaProxy('get', PROVIDERS, '203.0.113.77', mallory).expect(200);
    expect(alice.headers['x-ratelimit-remaining']).toBe(String(LIMIT - 1));
  });
});
