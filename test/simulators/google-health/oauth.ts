import type { IncomingMessage, ServerResponse } from 'node:http';
import { consentPage, decisionFromPage, type ConsentDecision } from '../shared/consent.js';
import { escapeHtml, readForm, redirect, requestUrl, sendHtml, sendJson } from '../shared/http.js';
import { sendOAuthError } from './errors.js';
import type { GoogleState } from './state.js';

export const AUTHORIZE_PATH = '/o/oauth2/v2/auth';
export const TOKEN_PATH = '/token';
export const REVOKE_PATH = '/revoke';

const SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';
const READ_WRITE = [
  'activity_and_fitness',
  'health_metrics_and_measurements',
  'sleep',
  'nutrition',
  'profile',
  'settings',
  'logged_symptoms',
  'mindfulness',
  'reproductive_health',
];
/** The googlehealth scopes of discovery revision 20261002 (research §1), plus Google's sign-in scopes. */
const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  ...READ_WRITE.flatMap((s) => [`${SCOPE_PREFIX}${s}.readonly`, `${SCOPE_PREFIX}${s}.writeonly`]),
  ...['ecg', 'irn', 'location'].map((s) => `${SCOPE_PREFIX}${s}.readonly`),
  'openid',
  'email',
  'profile',
]);

export interface OAuthContext {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly state: GoogleState;
  takeDecision(): ConsentDecision | undefined;
  countTokenCall(): void;
}

/**
 * accounts.google.com's consent step. Google itself lets confidential web clients skip PKCE; the simulator
 * insists on S256 because the service is meant to send it, and a regression should fail loudly here.
 */
export function handleAuthorize(req: IncomingMessage, res: ServerResponse, ctx: OAuthContext): void {
  const url = requestUrl(req);
  if (req.method !== 'GET' || url.pathname !== AUTHORIZE_PATH) {
    sendHtml(res, 404, '<h1>Not found</h1>');
    return;
  }
  const q = url.searchParams;
  const scopes = (q.get('scope') ?? '').split(' ').filter((s) => s !== '');
  const redirectUri = q.get('redirect_uri') ?? '';
  const problem =
    q.get('client_id') !== ctx.clientId
      ? 'Error 401: invalid_client'
      : !/^https?:\/\//.test(redirectUri)
        ? 'Error 400: redirect_uri_mismatch'
        : q.get('response_type') !== 'code'
          ? 'Error 400: invalid_request (response_type)'
          : scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s))
            ? 'Error 400: invalid_scope (scopes are space-separated URLs)'
            : !q.get('code_challenge') || q.get('code_challenge_method') !== 'S256'
              ? 'Error 400: invalid_request (PKCE with code_challenge_method=S256 is required)'
              : undefined;
  if (problem !== undefined) {
    sendHtml(res, 400, `<h1>${escapeHtml(problem)}</h1>`);
    return;
  }
  const decision = ctx.takeDecision() ?? decisionFromPage(q);
  if (!decision) {
    sendHtml(res, 200, consentPage(url, 'Google', [...ctx.state.users.keys()]));
    return;
  }
  const target = new URL(redirectUri);
  const state = q.get('state');
  if (state !== null) {
    target.searchParams.set('state', state);
  }
  if (decision.kind === 'deny') {
    target.searchParams.set('error', 'access_denied');
    redirect(res, target);
    return;
  }
  if (!ctx.state.users.has(decision.user)) {
    sendHtml(res, 400, '<h1>Unknown sandbox user</h1>');
    return;
  }
  // Granular consent: the user may untick scopes, and the token then carries only what was granted.
  const granted = decision.scopes ? scopes.filter((s) => decision.scopes?.includes(s)) : scopes;
  const code = ctx.state.issueCode({
    healthUserId: decision.user,
    redirectUri,
    scope: granted.join(' '),
    challenge: q.get('code_challenge') ?? '',
    offline: q.get('access_type') === 'offline',
    forceConsent: (q.get('prompt') ?? '').split(' ').includes('consent'),
  });
  target.searchParams.set('code', code);
  target.searchParams.set('scope', granted.join(' '));
  redirect(res, target);
}

/** oauth2.googleapis.com/token: client credentials in the form or as HTTP Basic, both of which Google accepts. */
export async function handleToken(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: OAuthContext,
): Promise<void> {
  if (req.method !== 'POST') {
    sendOAuthError(res, 405, 'invalid_request', 'Method not allowed');
    return;
  }
  ctx.countTokenCall();
  const form = await readForm(req);
  const basic = basicCredentials(req);
  const clientId = form.get('client_id') ?? basic?.id;
  const clientSecret = form.get('client_secret') ?? basic?.secret;
  if (clientId !== ctx.clientId || clientSecret !== ctx.clientSecret) {
    sendOAuthError(res, 401, 'invalid_client', 'Unauthorized');
    return;
  }
  const grantType = form.get('grant_type');
  const outcome =
    grantType === 'authorization_code'
      ? ctx.state.redeemCode(
          form.get('code') ?? '',
          form.get('redirect_uri') ?? '',
          form.get('code_verifier'),
        )
      : grantType === 'refresh_token'
        ? ctx.state.refresh(form.get('refresh_token') ?? '')
        : {
            ok: false as const,
            error: 'unsupported_grant_type',
            description: `Invalid grant_type: ${grantType ?? ''}`,
          };
  if (outcome.ok) {
    res.setHeader('cache-control', 'no-cache, no-store, max-age=0, must-revalidate');
    sendJson(res, 200, outcome.value);
  } else {
    sendOAuthError(res, 400, outcome.error, outcome.description);
  }
}

/** oauth2.googleapis.com/revoke: the token may come as a query parameter or in the form body. */
export async function handleRevoke(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: OAuthContext,
): Promise<void> {
  if (req.method !== 'POST') {
    sendOAuthError(res, 405, 'invalid_request', 'Method not allowed');
    return;
  }
  const form = await readForm(req);
  const token = form.get('token') ?? requestUrl(req).searchParams.get('token') ?? '';
  if (!ctx.state.revokeToken(token)) {
    sendOAuthError(res, 400, 'invalid_token', 'Token expired or revoked');
    return;
  }
  res.writeHead(200, { 'content-length': 0 }).end();
}

function basicCredentials(req: IncomingMessage): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) {
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0
    ? undefined
    : {
        id: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
}
