import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS, SECOND_MS } from '../shared/clock.js';
import { postForm } from '../shared/test-client.js';
import { GoogleHealthSimulator } from './google-health-simulator.js';
import {
  CHALLENGE,
  CLIENT,
  consent,
  exchange,
  identity,
  link,
  REDIRECT,
  refresh,
  SLEEP,
  STEPS,
} from './test-flow.js';

const REVOKED = { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' };

describe('GoogleHealthSimulator OAuth', () => {
  let sim: GoogleHealthSimulator;
  let user: { healthUserId: string; legacyUserId: string };

  beforeEach(async () => {
    sim = await GoogleHealthSimulator.start({
      ...{ clientId: CLIENT.client_id, clientSecret: CLIENT.client_secret },
      now: () => 1_790_000_000_000,
    });
    user = sim.addUser();
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('should run authorize → code → token → refresh → identity with the documented shapes', async () => {
    sim.approveNext(user.healthUserId);
    const redirect = await consent(sim);
    expect(redirect.status).toBe(302);
    expect(`${redirect.location?.origin}${redirect.location?.pathname}`).toBe(REDIRECT);
    expect(redirect.location?.searchParams.get('state')).toBe('st-g');
    expect(redirect.location?.searchParams.get('scope')).toBe(`${STEPS} ${SLEEP}`);
    const code = redirect.location?.searchParams.get('code') ?? '';
    expect(code).toMatch(/^4\/0A[\w-]+$/);

    const first = await exchange(sim, code);
    expect(first).toEqual({
      status: 200,
      json: {
        access_token: expect.stringMatching(/^ya29\.[\w-]+$/),
        expires_in: 3599,
        refresh_token: expect.stringMatching(/^1\/\/0g[\w-]+$/),
        scope: `${STEPS} ${SLEEP}`,
        token_type: 'Bearer',
      },
    });
    const { refresh_token: refreshToken } = first.json as { refresh_token: string };

    const renewed = await refresh(sim, refreshToken);
    expect(renewed).toEqual({
      status: 200,
      json: {
        access_token: expect.stringMatching(/^ya29\./),
        expires_in: 3599,
        scope: `${STEPS} ${SLEEP}`,
        token_type: 'Bearer',
      },
    });
    // Not rotated: the same refresh token keeps working.
    expect((await refresh(sim, refreshToken)).status).toBe(200);

    const me = await identity(sim, (renewed.json as { access_token: string }).access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({
      name: 'users/me/identity',
      legacyUserId: user.legacyUserId,
      healthUserId: user.healthUserId,
    });
    expect(sim.tokenCalls).toBe(3);
  });

  it('should issue a refresh token only on first offline consent or with prompt=consent', async () => {
    expect((await link(sim, user.healthUserId)).refresh_token).toBeDefined();
    expect((await link(sim, user.healthUserId)).refresh_token).toBeUndefined();
    expect((await link(sim, user.healthUserId, { prompt: 'consent' })).refresh_token).toBeDefined();
    const online = await link(sim, user.healthUserId, { access_type: 'online', prompt: 'consent' });
    expect(online.refresh_token).toBeUndefined();
  });

  it('should reject a replayed code and a code older than 10 minutes with invalid_grant', async () => {
    sim.approveNext(user.healthUserId);
    const code = (await consent(sim)).location?.searchParams.get('code') ?? '';
    expect((await exchange(sim, code)).status).toBe(200);
    expect(await exchange(sim, code)).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Bad Request' },
    });

    sim.approveNext(user.healthUserId);
    const stale = (await consent(sim)).location?.searchParams.get('code') ?? '';
    sim.advance(600 * SECOND_MS + 1);
    expect(await exchange(sim, stale)).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Bad Request' },
    });
  });

  it('should reject a PKCE verifier that does not match the S256 challenge, or a missing one', async () => {
    sim.approveNext(user.healthUserId);
    const code = (await consent(sim)).location?.searchParams.get('code') ?? '';
    const wrong = 'x'.repeat(43);
    expect(await exchange(sim, code, wrong)).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Invalid code verifier.' },
    });
    const missing = await postForm(sim.tokenUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      ...CLIENT,
    });
    expect(missing).toEqual({
      status: 400,
      json: { error: 'invalid_grant', error_description: 'Missing code verifier.' },
    });
  });

  it('should refuse to authorize without an S256 code challenge', async () => {
    expect(await consent(sim, { code_challenge: '' })).toEqual({ status: 400 });
    expect(await consent(sim, { code_challenge: CHALLENGE, code_challenge_method: 'plain' })).toEqual({
      status: 400,
    });
    expect(await consent(sim, { scope: `${STEPS},${SLEEP}` })).toEqual({ status: 400 });
  });

  it('should redirect with error=access_denied when the user denies', async () => {
    sim.denyNext();
    expect((await consent(sim)).location?.toString()).toBe(`${REDIRECT}?state=st-g&error=access_denied`);
  });

  it('should answer 401 invalid_client for a wrong secret and accept Basic client authentication', async () => {
    const { refresh_token: refreshToken = '' } = await link(sim, user.healthUserId);
    const wrong = await postForm(sim.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: CLIENT.client_id,
      client_secret: 'nope',
    });
    expect(wrong).toEqual({
      status: 401,
      json: { error: 'invalid_client', error_description: 'Unauthorized' },
    });
    const basic = await postForm(
      sim.tokenUrl,
      { grant_type: 'refresh_token', refresh_token: refreshToken },
      {
        authorization: `Basic ${Buffer.from(`${CLIENT.client_id}:${CLIENT.client_secret}`).toString('base64')}`,
      },
    );
    expect(basic.status).toBe(200);
  });

  it('should end the grant when a refresh token is revoked, killing its access tokens', async () => {
    const tokens = await link(sim, user.healthUserId);
    const revoked = await postForm(sim.revokeUrl, { token: tokens.refresh_token ?? '' });
    expect(revoked).toEqual({ status: 200, json: undefined });
    expect((await identity(sim, tokens.access_token)).status).toBe(401);
    expect(await refresh(sim, tokens.refresh_token ?? '')).toEqual({ status: 400, json: REVOKED });
    expect(await postForm(sim.revokeUrl, { token: tokens.refresh_token ?? '' })).toEqual({
      status: 400,
      json: { error: 'invalid_token', error_description: 'Token expired or revoked' },
    });
    // With the grant gone, the next consent counts as the first one again.
    expect((await link(sim, user.healthUserId)).refresh_token).toBeDefined();
  });

  it('should accept an access token in the revoke query string and revoke its refresh token too', async () => {
    const tokens = await link(sim, user.healthUserId);
    const res = await fetch(`${sim.revokeUrl}?token=${encodeURIComponent(tokens.access_token)}`, {
      method: 'POST',
    });
    expect(res.status).toBe(200);
    expect(await refresh(sim, tokens.refresh_token ?? '')).toEqual({ status: 400, json: REVOKED });
  });

  it('should answer invalid_grant after the user removes the app', async () => {
    const tokens = await link(sim, user.healthUserId);
    sim.revokeAccess(user.healthUserId);
    expect(await refresh(sim, tokens.refresh_token ?? '')).toEqual({ status: 400, json: REVOKED });
  });

  it('should expire access tokens after one hour and idle refresh tokens after six months', async () => {
    const tokens = await link(sim, user.healthUserId);
    sim.advance(3600 * SECOND_MS - 1);
    expect((await identity(sim, tokens.access_token)).status).toBe(200);
    sim.advance(1);
    const expired = await identity(sim, tokens.access_token);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toBe(
      'INVALID_AUTHENTICATOR: Token expired',
    );
    sim.advance(183 * DAY_MS);
    expect(await refresh(sim, tokens.refresh_token ?? '')).toEqual({ status: 400, json: REVOKED });
  });

  it('should put only the scopes the user left ticked into the token', async () => {
    sim.approveNext(user.healthUserId, [SLEEP]);
    const { location } = await consent(sim);
    expect(location?.searchParams.get('scope')).toBe(SLEEP);
    expect(
      ((await exchange(sim, location?.searchParams.get('code') ?? '')).json as { scope: string }).scope,
    ).toBe(SLEEP);
  });
});
