import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultQueue } from '../shared/faults.js';
import { bearerToken, requestUrl, sendJson } from '../shared/http.js';
import { sendRpcError } from './errors.js';
import type { GoogleState } from './state.js';

const INVALID_CREDENTIALS =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid ' +
  'authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const MISSING_CREDENTIALS =
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other ' +
  'valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

export interface HealthApiContext {
  readonly state: GoogleState;
  readonly faults: FaultQueue;
}

/** health.googleapis.com: for now only the identity lookup the service needs at onboarding. */
export function handleHealthApi(req: IncomingMessage, res: ServerResponse, ctx: HealthApiContext): void {
  // Quota and outage answers come from Google's front end, before the token is even looked at.
  const injected = ctx.faults.take();
  if (injected !== undefined) {
    sendRpcError(res, injected);
    return;
  }
  const auth = ctx.state.authenticate(bearerToken(req));
  if (!auth.ok) {
    const [message, reason] =
      auth.reason === 'missing'
        ? [MISSING_CREDENTIALS, 'CREDENTIALS_MISSING']
        : auth.reason === 'expired'
          ? ['INVALID_AUTHENTICATOR: Token expired', 'ACCESS_TOKEN_EXPIRED']
          : [INVALID_CREDENTIALS, 'ACCESS_TOKEN_TYPE_UNSUPPORTED'];
    sendRpcError(res, 401, message, reason);
    return;
  }
  const path = requestUrl(req).pathname;
  if (path === '/v4/users/me/identity') {
    if (req.method !== 'GET') {
      sendRpcError(res, 405, `Method ${req.method ?? ''} not allowed on ${path}.`);
      return;
    }
    const { healthUserId, legacyUserId } = auth.user;
    // proto3 JSON leaves out empty strings, so a user who never had Fitbit has no legacyUserId at all.
    sendJson(res, 200, {
      name: 'users/me/identity',
      ...(legacyUserId === '' ? {} : { legacyUserId }),
      healthUserId,
    });
    return;
  }
  sendRpcError(res, 404, `Requested entity was not found: ${path}`);
}
