import { createHash } from 'node:crypto';
import { authorize, postForm } from '../shared/test-client.js';
import type { GoogleHealthSimulator } from './google-health-simulator.js';

export const REDIRECT = 'https://ohe.example/oauth/google/callback';
export const CLIENT = { client_id: 'cid.apps.googleusercontent.com', client_secret: 'GOCSPX-secret' };
export const STEPS = 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly';
export const SLEEP = 'https://www.googleapis.com/auth/googlehealth.sleep.readonly';
/** Fixed RFC 7636 appendix B pair, so failures print the same values every run. */
export const VERIFIER = 'dBjftJeZ4CVP-mJ0kq7q0KQFv3YcZmknWfQz5Jd1Rz4';
export const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

export interface Tokens {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  scope: string;
  token_type: string;
}

/** One consent round trip; returns the redirect the browser would follow. */
export async function consent(
  sim: GoogleHealthSimulator,
  extra: Record<string, string> = {},
): Promise<{ status: number; location?: URL }> {
  return authorize(sim.authorizeUrl, {
    client_id: CLIENT.client_id,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: `${STEPS} ${SLEEP}`,
    access_type: 'offline',
    state: 'st-g',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...extra,
  });
}

export function exchange(sim: GoogleHealthSimulator, code: string, verifier = VERIFIER) {
  return postForm(sim.tokenUrl, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    ...CLIENT,
  });
}

export function refresh(sim: GoogleHealthSimulator, refreshToken: string) {
  return postForm(sim.tokenUrl, { grant_type: 'refresh_token', refresh_token: refreshToken, ...CLIENT });
}

/** Approve as the user and exchange the code: the tokens a freshly linked patient leaves behind. */
export async function link(
  sim: GoogleHealthSimulator,
  healthUserId: string,
  extra: Record<string, string> = {},
): Promise<Tokens> {
  sim.approveNext(healthUserId);
  const { location } = await consent(sim, extra);
  return (await exchange(sim, location?.searchParams.get('code') ?? '')).json as Tokens;
}

export function identity(sim: GoogleHealthSimulator, accessToken?: string) {
  return fetch(`${sim.apiBaseUrl}/v4/users/me/identity`, {
    headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
  });
}
