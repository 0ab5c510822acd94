import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postForm, startCallbackTarget, type CallbackTarget } from '../shared/test-client.js';
import { TEST_REDIRECT as REDIRECT, withingsAccessToken } from './test-flow.js';
import { WithingsSimulator } from './withings-simulator.js';

describe('WithingsSimulator notify', () => {
  let sim: WithingsSimulator;
  let userid: number;
  let accessToken: string;
  const targets: CallbackTarget[] = [];

  const target = async (status: number): Promise<CallbackTarget> => {
    const t = await startCallbackTarget(status);
    targets.push(t);
    return t;
  };
  const notify = (fields: Record<string, string>, bearer = accessToken) =>
    postForm(`${sim.baseUrl}/notify`, fields, { authorization: `Bearer ${bearer}` });

  beforeEach(async () => {
    sim = await WithingsSimulator.start();
    ({ userid } = sim.addUser({ userid: 12_345 }));
    accessToken = await withingsAccessToken(sim, userid);
  });
  afterEach(async () => {
    await sim.stop();
    await Promise.all(targets.splice(0).map((t) => t.stop()));
  });

  it('should HEAD-probe the callback URL at subscribe time and then list the profile', async () => {
    const callback = await target(200);
    const res = await notify({
      action: 'subscribe',
      callbackurl: callback.url,
      appli: '1',
      comment: 'weight',
    });
    expect(res).toEqual({ status: 200, json: { status: 0, body: {} } });
    expect(callback.requests).toEqual([{ method: 'HEAD', path: '/webhooks/withings/s3cr3t' }]);
    expect(sim.subscriptions(userid)).toEqual([{ appli: 1, callbackurl: callback.url, comment: 'weight' }]);
    expect((await notify({ action: 'list' })).json).toEqual({
      status: 0,
      body: {
        profiles: [{ appli: 1, callbackurl: callback.url, expires: 2_147_483_647, comment: 'weight' }],
      },
    });
  });

  it('should fail subscribe with status 293 when the callback answers HEAD with 404', async () => {
    const callback = await target(404);
    const res = await notify({ action: 'subscribe', callbackurl: callback.url, appli: '4' });
    expect(res).toEqual({
      status: 200,
      json: { status: 293, body: {}, error: 'Invalid Params: the callback URL did not answer HEAD with 2xx' },
    });
    expect(callback.requests).toEqual([{ method: 'HEAD', path: '/webhooks/withings/s3cr3t' }]);
    expect(sim.subscriptions(userid)).toEqual([]);
  });

  it('should fail subscribe with status 293 when nothing listens at the callback URL', async () => {
    const callback = await target(200);
    await callback.stop();
    targets.pop();
    expect(
      (
        (await notify({ action: 'subscribe', callbackurl: callback.url, appli: '1' })).json as {
          status: number;
        }
      ).status,
    ).toBe(293);
  });

  it('should filter list by appli, get one profile, and revoke it', async () => {
    const callback = await target(204);
    await notify({ action: 'subscribe', callbackurl: callback.url, appli: '1' });
    await notify({ action: 'subscribe', callbackurl: callback.url, appli: '54' });
    await notify({ action: 'subscribe', callbackurl: callback.url, appli: '54' });
    expect(sim.subscriptions(userid).map((s) => s.appli)).toEqual([1, 54]);
    expect((await notify({ action: 'list', appli: '54' })).json).toEqual({
      status: 0,
      body: { profiles: [{ appli: 54, callbackurl: callback.url, expires: 2_147_483_647, comment: '' }] },
    });
    expect((await notify({ action: 'get', callbackurl: callback.url, appli: '1' })).json).toEqual({
      status: 0,
      body: { appli: 1, callbackurl: callback.url, expires: 2_147_483_647, comment: '' },
    });
    expect((await notify({ action: 'revoke', callbackurl: callback.url, appli: '1' })).json).toEqual({
      status: 0,
      body: {},
    });
    expect(sim.subscriptions(userid)).toEqual([{ appli: 54, callbackurl: callback.url }]);
    expect((await notify({ action: 'revoke', callbackurl: callback.url, appli: '1' })).json).toEqual({
      status: 294,
      body: {},
      error: 'No such subscription',
    });
  });

  it('should reject an unknown appli or a malformed callback URL without probing', async () => {
    const callback = await target(200);
    expect(
      (
        (await notify({ action: 'subscribe', callbackurl: callback.url, appli: '999' })).json as {
          status: number;
        }
      ).status,
    ).toBe(503);
    expect(
      (
        (await notify({ action: 'subscribe', callbackurl: 'not a url', appli: '1' })).json as {
          status: number;
        }
      ).status,
    ).toBe(503);
    expect(callback.requests).toEqual([]);
  });

  it('should answer status 401 without a valid Bearer token and 2554 for an unknown action', async () => {
    expect((await notify({ action: 'list' }, 'bogus')).json).toEqual({
      status: 401,
      body: {},
      error: 'XRequestID: Not provided invalid_token: The access token provided is invalid',
    });
    expect((await notify({ action: 'frobnicate' })).json).toEqual({
      status: 2554,
      body: {},
      error: 'Not implemented',
    });
  });

  it('should refuse non-POST calls on the API host', async () => {
    const res = await fetch(`${sim.baseUrl}/notify?action=list`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(res.status).toBe(405);
  });

  it('should drop subscriptions when the user revokes access', async () => {
    const callback = await target(200);
    await notify({ action: 'subscribe', callbackurl: callback.url, appli: '1' });
    sim.revokeAccess(userid);
    expect(sim.subscriptions(userid)).toEqual([]);
  });
});

describe('WithingsSimulator consent page', () => {
  it('should offer one link per sandbox user when no decision is armed, and redirect with a code when followed', async () => {
    const sim = await WithingsSimulator.start();
    try {
      sim.addUser({ userid: 777 });
      const url = new URL(sim.authorizeUrl);
      for (const [k, v] of Object.entries({
        response_type: 'code',
        client_id: 'withings-client-id',
        scope: 'user.metrics',
        redirect_uri: REDIRECT,
        state: 'x',
      })) {
        url.searchParams.set(k, v);
      }
      const page = await fetch(url);
      const html = await page.text();
      expect(page.status).toBe(200);
      const href = /href="([^"]*sim_user=777[^"]*)"/.exec(html)?.[1]?.replace(/&#38;/g, '&') ?? '';
      const followed = await fetch(new URL(href, url), { redirect: 'manual' });
      expect(followed.status).toBe(302);
      expect(new URL(followed.headers.get('location') ?? '').searchParams.get('code')).toMatch(
        /^[0-9a-f]{40}$/,
      );
    } finally {
      await sim.stop();
    }
  });
});
