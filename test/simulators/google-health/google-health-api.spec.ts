import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GoogleHealthSimulator } from './google-health-simulator.js';
import { CLIENT, identity, link } from './test-flow.js';

describe('GoogleHealthSimulator Health API', () => {
  let sim: GoogleHealthSimulator;

  beforeEach(async () => {
    sim = await GoogleHealthSimulator.start({
      clientId: CLIENT.client_id,
      clientSecret: CLIENT.client_secret,
    });
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('should answer GET /v4/users/me/identity with healthUserId and legacyUserId', async () => {
    const user = sim.addUser({ healthUserId: '7583570207748835967', legacyUserId: '2E4RVC' });
    const { access_token: token } = await link(sim, user.healthUserId);
    const res = await identity(sim, token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'users/me/identity',
      legacyUserId: '2E4RVC',
      healthUserId: '7583570207748835967',
    });
  });

  it('should leave legacyUserId out for a user who never had Fitbit', async () => {
    const user = sim.addUser({ legacyUserId: '' });
    const { access_token: token } = await link(sim, user.healthUserId);
    expect(await (await identity(sim, token)).json()).toEqual({
      name: 'users/me/identity',
      healthUserId: user.healthUserId,
    });
  });

  it('should answer a google.rpc.Status 401 without credentials or with an unknown token', async () => {
    const missing = await identity(sim);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="https://accounts.google.com/"');
    expect(await missing.json()).toEqual({
      error: {
        code: 401,
        message:
          'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        status: 'UNAUTHENTICATED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'CREDENTIALS_MISSING',
            domain: 'googleapis.com',
            metadata: { service: 'health.googleapis.com' },
          },
        ],
      },
    });
    const bogus = await identity(sim, 'ya29.bogus');
    expect(bogus.status).toBe(401);
    expect(((await bogus.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
  });

  it('should answer injected 429 with RESOURCE_EXHAUSTED and 503 with UNAVAILABLE, then recover', async () => {
    const user = sim.addUser();
    const { access_token: token } = await link(sim, user.healthUserId);
    sim.failNext(429);
    const limited = await identity(sim, token);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({
      error: {
        code: 429,
        message:
          "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per user' of service 'health.googleapis.com'.",
        status: 'RESOURCE_EXHAUSTED',
      },
    });
    sim.failNext(503, 2);
    for (let i = 0; i < 2; i += 1) {
      const down = await identity(sim, token);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({
        error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' },
      });
    }
    expect((await identity(sim, token)).status).toBe(200);
    expect(sim.tokenCalls).toBe(1);
  });

  it('should answer 404 NOT_FOUND for a path the API does not have', async () => {
    const user = sim.addUser();
    const { access_token: token } = await link(sim, user.healthUserId);
    const res = await fetch(`${sim.apiBaseUrl}/v4/users/me/nothing`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('NOT_FOUND');
  });

  it('should hand out distinct default users with Fitbit-style legacy ids', () => {
    const a = sim.addUser();
    const b = sim.addUser();
    expect(a).toEqual({
      healthUserId: '7583570207748835967',
      legacyUserId: expect.stringMatching(/^[0-9A-Z]{6}$/),
    });
    expect(b.healthUserId).toBe('7583570207748835968');
    expect(b.legacyUserId).not.toBe(a.legacyUserId);
    expect(() => sim.addUser({ healthUserId: a.healthUserId })).toThrow('already taken');
  });
});
