import { authorize, postForm } from '../shared/test-client.js';
import type { WithingsSimulator } from './withings-simulator.js';

export const TEST_REDIRECT = 'https://ohe.example/oauth/withings/callback';

/**
 * A consented user's access token, obtained the way a linked app does: the consent page (armed with
 * approveNext) and the authorization-code exchange on /v2/oauth2.
 */
export async function withingsAccessToken(
  sim: WithingsSimulator,
  userid: number,
  scope = 'user.info,user.metrics,user.activity',
): Promise<string> {
  sim.approveNext(userid);
  const { location } = await authorize(sim.authorizeUrl, {
    response_type: 'code',
    client_id: 'withings-client-id',
    scope,
    redirect_uri: TEST_REDIRECT,
    state: 's',
  });
  const res = await postForm(`${sim.baseUrl}/v2/oauth2`, {
    action: 'requesttoken',
    grant_type: 'authorization_code',
    client_id: 'withings-client-id',
    client_secret: 'withings-client-secret',
    code: location?.searchParams.get('code') ?? '',
    redirect_uri: TEST_REDIRECT,
  });
  return (res.json as { body: { access_token: string } }).body.access_token;
}
