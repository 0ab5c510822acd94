import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JSONWebKeySet } from 'jose';
import {
  CLIENT_ASSERTION_TYPE,
  ClientAssertionVerifier,
  invalidClient,
  OAuthError,
} from './client-assertion.js';
import { closeServer, listenOnLoopback, readBody, send } from './http-io.js';
import {
  DEFAULT_SMART_SCOPES,
  smartRegistry,
  type SmartConfigurationOptions,
} from './smart-configuration.js';

export interface SmartAuthServerOptions {
  readonly clientId: string;
  /** The client's public keys: an inline JWKS (e.g. from jose's exportJWK) or a JWKS URL fetched on demand. */
  readonly jwks: JSONWebKeySet | string;
  /** When set, a FhirTestServer in this process with that baseUrl announces this server in its discovery. */
  readonly fhirBaseUrl?: string;
  /** Default 300. */
  readonly tokenLifetimeSeconds?: number;
  /** When set, plain OAuth2 client credentials (client_secret_basic / client_secret_post) are accepted too. */
  readonly clientSecret?: string;
  /** Scopes a client may ask for; default DEFAULT_SMART_SCOPES. A request without scope gets all of them. */
  readonly scopesSupported?: readonly string[];
  /** Default 0 (an ephemeral port); a fixed port is for the local sandbox. Always bound to 127.0.0.1. */
  readonly port?: number;
}

const SCOPE = /^system\/(\*|[A-Z][A-Za-z]+)\.(c?r?u?d?s?|read|write|\*)$/;

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A SMART Backend Services authorization server (SMART App Launch 2.2) on 127.0.0.1: `POST /token` with
 * grant_type=client_credentials, authenticated by a private_key_jwt client assertion (or a client secret when
 * configured), answering opaque random bearer tokens that a FhirTestServer can be told to require.
 */
export class SmartAuthServer {
  readonly tokenUrl: string;
  readonly smartConfiguration: SmartConfigurationOptions;
  private readonly issued: string[] = [];
  private readonly expiries = new Map<string, number>();
  private readonly verifier: ClientAssertionVerifier;
  private requestCount = 0;

  private constructor(
    private readonly server: Server,
    origin: string,
    private readonly options: SmartAuthServerOptions,
  ) {
    this.tokenUrl = `${origin}/token`;
    this.verifier = new ClientAssertionVerifier(options.clientId, options.jwks, this.tokenUrl);
    this.smartConfiguration = {
      tokenEndpoint: this.tokenUrl,
      scopesSupported: options.scopesSupported ?? DEFAULT_SMART_SCOPES,
      tokenEndpointAuthMethods:
        options.clientSecret === undefined
          ? ['private_key_jwt']
          : ['private_key_jwt', 'client_secret_basic', 'client_secret_post'],
    };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => {
        const error = err instanceof OAuthError ? err : new OAuthError(500, 'server_error', String(err));
        const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
        if (error.status === 401) {
          headers['WWW-Authenticate'] = 'Basic realm="token"';
        }
        const body = { error: error.error, error_description: error.description };
        send(res, error.status, body, headers, 'application/json');
      });
    });
  }

  static async start(options: SmartAuthServerOptions): Promise<SmartAuthServer> {
    const server = createServer();
    const auth = new SmartAuthServer(server, await listenOnLoopback(server, options.port), options);
    if (options.fhirBaseUrl !== undefined) {
      smartRegistry.register(options.fhirBaseUrl, auth.smartConfiguration);
    }
    return auth;
  }

  /** Every access token issued, oldest first; the same array object throughout, so it can be shared live. */
  get issuedTokens(): readonly string[] {
    return this.issued;
  }

  /** POSTs to the token endpoint, accepted or not. */
  get tokenRequests(): number {
    return this.requestCount;
  }

  /** True for a token this server issued that has neither expired nor been revoked. */
  isTokenActive(token: string): boolean {
    return (this.expiries.get(token) ?? 0) > Date.now();
  }

  /** Forgets every issued token (also emptying issuedTokens), to test a client's reaction to a 401. */
  revokeTokens(): void {
    this.issued.length = 0;
    this.expiries.clear();
  }

  async stop(): Promise<void> {
    if (this.options.fhirBaseUrl !== undefined) {
      smartRegistry.unregister(this.options.fhirBaseUrl, this.smartConfiguration);
    }
    await closeServer(this.server);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== '/token') {
      throw new OAuthError(404, 'invalid_request', `Nothing at ${path}; the token endpoint is /token`);
    }
    if (req.method !== 'POST') {
      throw new OAuthError(405, 'invalid_request', 'The token endpoint takes POST');
    }
    this.requestCount++;
    const body = (await readBody(req, 64 * 1024)).toString('utf8');
    if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') !== true) {
      throw new OAuthError(400, 'invalid_request', 'Token requests are application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(body);
    const grantType = form.get('grant_type');
    if (grantType === null) {
      throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    }
    if (grantType !== 'client_credentials') {
      throw new OAuthError(400, 'unsupported_grant_type', `grant_type '${grantType}' is not supported`);
    }
    await this.authenticate(form, req.headers.authorization);
    const scope = this.grantScope(form.get('scope'));
    const lifetime = this.options.tokenLifetimeSeconds ?? 300;
    const token = randomBytes(32).toString('base64url');
    this.issued.push(token);
    this.expiries.set(token, Date.now() + lifetime * 1000);
    send(
      res,
      200,
      { access_token: token, token_type: 'bearer', expires_in: lifetime, scope },
      { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
      'application/json',
    );
  }

  private async authenticate(form: URLSearchParams, authorization: string | undefined): Promise<void> {
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const assertion = form.get('client_assertion');
    const postedSecret = form.get('client_secret');
    const methods = [basic, assertion, postedSecret].filter((m) => m !== undefined && m !== null).length;
    if (methods > 1) {
      throw new OAuthError(400, 'invalid_request', 'Use exactly one client authentication method');
    }
    const clientId = form.get('client_id');
    if (clientId !== null && clientId !== this.options.clientId) {
      throw invalidClient(`Unknown client_id '${clientId}'`);
    }
    if (assertion !== null) {
      if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
        throw invalidClient(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
      }
      await this.verifier.verify(assertion);
      return;
    }
    const secret = this.options.clientSecret;
    if (basic !== undefined) {
      const [id = '', given = ''] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      const ok =
        secret !== undefined &&
        decodeURIComponent(id) === this.options.clientId &&
        sameSecret(decodeURIComponent(given), secret);
      if (!ok) {
        throw invalidClient('Client authentication failed', 401);
      }
      return;
    }
    if (
      postedSecret !== null &&
      secret !== undefined &&
      clientId !== null &&
      sameSecret(postedSecret, secret)
    ) {
      return;
    }
    throw invalidClient(postedSecret === null ? 'No client authentication' : 'Client authentication failed');
  }

  private grantScope(requested: string | null): string {
    const supported = this.smartConfiguration.scopesSupported ?? DEFAULT_SMART_SCOPES;
    if (requested === null || requested.trim() === '') {
      return supported.join(' ');
    }
    const scopes = requested.trim().split(/\s+/);
    const wildcard = supported.includes('system/*.cruds') || supported.includes('system/*.*');
    const bad = scopes.filter((s) => !SCOPE.test(s) || !(wildcard || supported.includes(s)));
    if (bad.length > 0) {
      throw new OAuthError(400, 'invalid_scope', `Scope not supported: ${bad.join(' ')}`);
    }
    return scopes.join(' ');
  }
}
