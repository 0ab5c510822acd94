import type { IncomingMessage, ServerResponse } from 'node:http';
import { consentPage, decisionFromPage, type ConsentDecision } from '../shared/consent.js';
import { escapeHtml, redirect, requestUrl, sendHtml } from '../shared/http.js';
import { fail, ok, STATUS, type WithingsReply } from './replies.js';
import type { WithingsState } from './state.js';

export const AUTHORIZE_PATH = '/oauth2_user/authorize2';
export const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  'user.info',
  'user.metrics',
  'user.activity',
  'user.sleepevents',
]);

export interface OAuthContext {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly state: WithingsState;
  /** The decision a test armed with approveNext()/denyNext(), consumed by this request. */
  takeDecision(): ConsentDecision | undefined;
}

/**
 * The account-host consent page. Tests arm the user's answer in advance; without one, a person driving the
 * local sandbox gets a page with one link per sandbox user, which reaches the same decision.
 */
export function handleAuthorize(req: IncomingMessage, res: ServerResponse, ctx: OAuthContext): void {
  const url = requestUrl(req);
  if (req.method !== 'GET' || url.pathname !== AUTHORIZE_PATH) {
    sendHtml(res, 404, '<h1>Not found</h1>');
    return;
  }
  const q = url.searchParams;
  const redirectUri = parseRedirect(q.get('redirect_uri'));
  const scope = q.get('scope') ?? '';
  const state = q.get('state');
  // Errors before the redirect URI is trusted are shown on the page, never sent to an unverified redirect.
  const problem =
    q.get('client_id') !== ctx.clientId
      ? 'Invalid client_id'
      : !redirectUri
        ? 'Invalid redirect_uri'
        : q.get('response_type') !== 'code'
          ? 'Invalid response_type'
          : !state
            ? 'Missing state'
            : scope.split(',').some((s) => !KNOWN_SCOPES.has(s))
              ? 'Invalid scope (scopes are comma-separated)'
              : undefined;
  if (problem !== undefined || !redirectUri || !state) {
    sendHtml(res, 400, `<h1>${escapeHtml(problem ?? 'Invalid request')}</h1>`);
    return;
  }
  const decision = ctx.takeDecision() ?? decisionFromPage(q);
  if (!decision) {
    sendHtml(res, 200, consentPage(url, 'Withings', [...ctx.state.users].map(String)));
    return;
  }
  if (decision.kind === 'approve' && !ctx.state.users.has(Number(decision.user))) {
    sendHtml(res, 400, '<h1>Unknown sandbox user</h1>');
    return;
  }
  const target = new URL(redirectUri);
  if (decision.kind === 'deny') {
    target.searchParams.set('error', 'access_denied');
  } else {
    target.searchParams.set(
      'code',
      ctx.state.issueCode(Number(decision.user), q.get('redirect_uri') ?? '', scope),
    );
  }
  target.searchParams.set('state', state);
  redirect(res, target);
}

/** POST /v2/oauth2 action=requesttoken: client credentials travel in the form, never in Basic auth. */
export function requestToken(form: URLSearchParams, ctx: OAuthContext): WithingsReply {
  if (form.get('client_id') !== ctx.clientId || form.get('client_secret') !== ctx.clientSecret) {
    return fail(STATUS.invalidParams, 'Invalid Params: invalid client_id or client_secret');
  }
  const grantType = form.get('grant_type');
  if (grantType === 'authorization_code') {
    const outcome = ctx.state.redeemCode(form.get('code') ?? '', form.get('redirect_uri') ?? '');
    return outcome.ok ? ok({ ...outcome.value }) : fail(STATUS.invalidParams, outcome.error);
  }
  if (grantType === 'refresh_token') {
    const outcome = ctx.state.rotate(form.get('refresh_token') ?? '');
    return outcome.ok ? ok({ ...outcome.value }) : fail(STATUS.authFailed, outcome.error);
  }
  return fail(STATUS.invalidParams, 'Invalid Params: invalid grant_type');
}

function parseRedirect(value: string | null): URL | undefined {
  if (!value) {
    return undefined;
  }
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
