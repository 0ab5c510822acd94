import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR_MS, SECOND_MS } from '../shared/clock.js';
import { authorize, postForm } from '../shared/test-client.js';
import { WithingsSimulator } from './withings-simulator.js';

const REDIRECT = 'https://ohe.example/oauth/withings/callback';
const HEX40 = /^[0-9a-f]{40}$/;

describe('WithingsSimulator OAuth', () => {
  let sim: WithingsSimulator;
  let userid: number;

  beforeEach(async () => {
    sim = await WithingsSimulator.start({
      clientId: 'cid',
      clientSecret: 'csecret',
      now: () => 1_700_000_000_000,
    });
    ({ userid } = sim.addUser());
  });
  afterEach(async () => {
    await sim.stop();
  });

  const consent = async (scope = 'user.info,user.metrics'): Promise<string> => {
    sim.approveNext(userid);
    const { location } = await authorize(sim.authorizeUrl, {
      response_type: 'code',
      client_id: 'cid',
      scope,
      redirect_uri: REDIRECT,
      state: 'st-1',
    });
    return location?.searchParams.get('code') ?? '';
  };
  const token = (fields: Record<string, string>) =>
    postForm(`${sim.baseUrl}/v2/oauth2`, {
      action: 'requesttoken',
      client_id: 'cid',
      client_secret: 'csecret',
      ...fields,
    });
  const exchange = async (code: string) =>
    (await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).json as {
      status: number;
      body: { access_token: string; refresh_token: string };
    };
  const refresh = (refreshToken: string) =>
    token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const listSubscriptions = (accessToken: string) =>
    postForm(`${sim.baseUrl}/notify`, { action: 'list' }, { authorization: `Bearer ${accessToken}` });

  it('should run authorize → code → token → refresh → API call with the documented shapes', async () => {
    sim.approveNext(userid);
    const redirect = await authorize(sim.authorizeUrl, {
      response_type: 'code',
      client_id: 'cid',
      scope: 'user.info,user.metrics',
      redirect_uri: REDIRECT,
      state: 'st-1',
    });
    expect(redirect.status).toBe(302);
    expect(`${redirect.location?.origin}${redirect.location?.pathname}`).toBe(REDIRECT);
    expect(redirect.location?.searchParams.get('state')).toBe('st-1');
    const code = redirect.location?.searchParams.get('code') ?? '';
    expect(code).toMatch(HEX40);

    const first = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(first).toEqual({
      status: 200,
      json: {
        status: 0,
        body: {
          userid,
          access_token: expect.stringMatching(HEX40),
          refresh_token: expect.stringMatching(HEX40),
          expires_in: 10_800,
          scope: 'user.info,user.metrics',
          csrf_token: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
          token_type: 'Bearer',
        },
      },
    });
    const pair = (first.json as { body: { access_token: string; refresh_token: string } }).body;

    const second = await refresh(pair.refresh_token);
    const rotated = (second.json as { status: number; body: { access_token: string; refresh_token: string } })
      .body;
    expect((second.json as { status: number }).status).toBe(0);
    expect(rotated.refresh_token).not.toBe(pair.refresh_token);
    expect(rotated.access_token).not.toBe(pair.access_token);

    expect(await listSubscriptions(rotated.access_token)).toEqual({
      status: 200,
      json: { status: 0, body: { profiles: [] } },
    });
    expect(sim.tokenCalls).toBe(2);
  });

  it('should redirect with error=access_denied and the state when the user denies', async () => {
    sim.denyNext();
    const { status, location } = await authorize(sim.authorizeUrl, {
      response_type: 'code',
      client_id: 'cid',
      scope: 'user.metrics',
      redirect_uri: REDIRECT,
      state: 'st-2',
    });
    expect(status).toBe(302);
    expect(location?.toString()).toBe(`${REDIRECT}?error=access_denied&state=st-2`);
  });

  it('should show an error page instead of redirecting for an unknown client_id or space-separated scopes', async () => {
    const base = { response_type: 'code', redirect_uri: REDIRECT, state: 's' };
    expect(await authorize(sim.authorizeUrl, { ...base, client_id: 'other', scope: 'user.metrics' })).toEqual(
      { status: 400 },
    );
    expect(
      await authorize(sim.authorizeUrl, { ...base, client_id: 'cid', scope: 'user.info user.metrics' }),
    ).toEqual({
      status: 400,
    });
  });

  it('should reject a replayed code with status 503 inside HTTP 200', async () => {
    const code = await consent();
    expect((await exchange(code)).status).toBe(0);
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).toEqual({
      status: 200,
      json: { status: 503, body: {}, error: 'Invalid Params: invalid code' },
    });
  });

  it('should reject a code older than 30 s and accept one just under', async () => {
    const stale = await consent();
    sim.advance(30 * SECOND_MS + 1);
    expect((await exchange(stale)).status).toBe(503);
    const fresh = await consent();
    sim.advance(30 * SECOND_MS);
    expect((await exchange(fresh)).status).toBe(0);
  });

  it('should reject a redirect_uri that differs from the authorize request', async () => {
    const code = await consent();
    const res = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://evil.example/cb',
    });
    expect(res.json).toEqual({ status: 503, body: {}, error: 'Invalid Params: invalid redirect_uri' });
  });

  it('should compare redirect_uri as sent, without URL normalisation', async () => {
    sim.approveNext(userid);
    const bare = 'http://127.0.0.1:9';
    const { location } = await authorize(sim.authorizeUrl, {
      response_type: 'code',
      client_id: 'cid',
      scope: 'user.metrics',
      redirect_uri: bare,
      state: 's',
    });
    const code = location?.searchParams.get('code') ?? '';
    expect(
      (
        (await token({ grant_type: 'authorization_code', code, redirect_uri: `${bare}/` })).json as {
          status: number;
        }
      ).status,
    ).toBe(503);
    expect(
      (
        (await token({ grant_type: 'authorization_code', code, redirect_uri: bare })).json as {
          status: number;
        }
      ).status,
    ).toBe(0);
  });

  it('should reject a wrong client secret, and client credentials sent only as Basic auth', async () => {
    const code = await consent();
    const wrong = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_secret: 'nope',
    });
    expect(wrong.json).toEqual({
      status: 503,
      body: {},
      error: 'Invalid Params: invalid client_id or client_secret',
    });
    const basic = await postForm(
      `${sim.baseUrl}/v2/oauth2`,
      { action: 'requesttoken', grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
      { authorization: `Basic ${Buffer.from('cid:csecret').toString('base64')}` },
    );
    expect((basic.json as { status: number }).status).toBe(503);
  });

  it('should keep the previous refresh token valid until the new access token is first used', async () => {
    const original = (await exchange(await consent())).body;
    const rotated = (await refresh(original.refresh_token)).json as {
      status: number;
      body: { access_token: string };
    };
    expect(rotated.status).toBe(0);
    // A worker that lost the race still holds the old token; it must keep working during the grace window.
    expect(((await refresh(original.refresh_token)).json as { status: number }).status).toBe(0);
    expect((await listSubscriptions(rotated.body.access_token)).json).toEqual({
      status: 0,
      body: { profiles: [] },
    });
    expect((await refresh(original.refresh_token)).json).toEqual({
      status: 401,
      body: {},
      error: 'Invalid Params: invalid refresh_token',
    });
  });

  it('should keep the previous refresh token for at most 8 h after rotation', async () => {
    const original = (await exchange(await consent())).body;
    expect(((await refresh(original.refresh_token)).json as { status: number }).status).toBe(0);
    sim.advance(8 * HOUR_MS - 1);
    expect(((await refresh(original.refresh_token)).json as { status: number }).status).toBe(0);
    sim.advance(1);
    expect(((await refresh(original.refresh_token)).json as { status: number }).status).toBe(401);
  });

  it('should answer status 401 once the access token is 3 h old', async () => {
    const { access_token: accessToken } = (await exchange(await consent())).body;
    sim.advance(3 * HOUR_MS - 1);
    expect(((await listSubscriptions(accessToken)).json as { status: number }).status).toBe(0);
    sim.advance(1);
    expect(await listSubscriptions(accessToken)).toEqual({
      status: 200,
      json: {
        status: 401,
        body: {},
        error: 'XRequestID: Not provided invalid_token: The access token provided is invalid',
      },
    });
  });

  it('should make every token fail with status 401 after the user revokes access', async () => {
    const pair = (await exchange(await consent())).body;
    sim.revokeAccess(userid);
    expect(((await listSubscriptions(pair.access_token)).json as { status: number }).status).toBe(401);
    expect(((await refresh(pair.refresh_token)).json as { status: number }).status).toBe(401);
  });

  it('should answer injected 601 and 522 inside HTTP 200 and then recover', async () => {
    const code = await consent();
    sim.failNext(601, 2);
    const limited = { status: 200, json: { status: 601, body: {}, error: 'Too Many Requests' } };
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).toEqual(limited);
    expect(await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).toEqual(limited);
    const pair = (await exchange(code)).body;
    sim.failNext(522);
    expect((await listSubscriptions(pair.access_token)).json).toEqual({
      status: 522,
      body: {},
      error: 'Timeout',
    });
    expect(sim.tokenCalls).toBe(3);
  });

  it('should send userid as a string when configured like the 2021 migration notice', async () => {
    const alt = await WithingsSimulator.start({ useridAsString: true });
    try {
      const { userid: id } = alt.addUser({ userid: 363 });
      alt.approveNext(id);
      const { location } = await authorize(alt.authorizeUrl, {
        response_type: 'code',
        client_id: 'withings-client-id',
        scope: 'user.metrics',
        redirect_uri: REDIRECT,
        state: 's',
      });
      const res = await postForm(`${alt.baseUrl}/v2/oauth2`, {
        action: 'requesttoken',
        grant_type: 'authorization_code',
        client_id: 'withings-client-id',
        client_secret: 'withings-client-secret',
        code: location?.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT,
      });
      expect((res.json as { body: { userid: unknown } }).body.userid).toBe('363');
    } finally {
      await alt.stop();
    }
  });
});
