import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultQueue } from '../shared/faults.js';
import { bearerToken, requestUrl, sendJson } from '../shared/http.js';
import { answerFault, dataCallKey, serveData, type DataApiControls } from './data-api.js';
import type { HealthData } from './data/store.js';
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
  readonly data: HealthData;
  readonly controls: DataApiControls;
}

/** health.googleapis.com: the identity lookup, dataPoints list/reconcile and pairedDevices. */
export function handleHealthApi(req: IncomingMessage, res: ServerResponse, ctx: HealthApiContext): void {
  const path = requestUrl(req).pathname;
  const dataKey = dataCallKey(path);
  if (dataKey !== undefined) {
    ctx.controls.count(dataKey);
    const fault = ctx.controls.takeFault();
    if (fault !== undefined) {
      answerFault(res, fault);
      return;
    }
  }
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
  if (dataKey !== undefined) {
    const waitS = ctx.controls.overQuota(auth.user.healthUserId);
    if (waitS !== undefined) {
      res.setHeader('retry-after', String(waitS));
      sendRpcError(res, 429);
      return;
    }
    serveData(req, res, ctx.data, { healthUserId: auth.user.healthUserId, scopes: auth.scopes });
    return;
  }
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
