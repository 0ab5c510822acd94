import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { SMART_SIGNING_ALGORITHMS } from './smart-configuration.js';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART backend services: the assertion's exp is at most five minutes ahead. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

/** An RFC 6749 §5.2 error answer: HTTP status, `error` code and a human-readable description. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

// SMART backend services: any failure authenticating the client is invalid_client (RFC 7523 §3.2 / RFC 6749 §5.2).
export const invalidClient = (description: string, status = 400): OAuthError =>
  new OAuthError(status, 'invalid_client', description);

const isAllowedAlg = (alg: unknown): boolean => SMART_SIGNING_ALGORITHMS.some((a) => a === alg);

/**
 * Verifies `private_key_jwt` client assertions as SMART App Launch 2.2 backend services require: RS384 or ES384
 * only, signed by a key of the registered JWKS, iss = sub = client_id, aud = the token endpoint, exp present and
 * at most 5 minutes ahead, jti never seen before (kept until the assertion it came with has expired).
 */
export class ClientAssertionVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly jwksUrl: string | undefined;
  private readonly seenJti = new Map<string, number>();

  constructor(
    private readonly clientId: string,
    jwks: JSONWebKeySet | string,
    private readonly audience: string,
  ) {
    this.jwksUrl = typeof jwks === 'string' ? jwks : undefined;
    this.keys = typeof jwks === 'string' ? createRemoteJWKSet(new URL(jwks)) : createLocalJWKSet(jwks);
  }

  async verify(assertion: string): Promise<void> {
    let header;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      throw invalidClient('client_assertion is not a signed JWT');
    }
    if (!isAllowedAlg(header.alg)) {
      throw invalidClient(`client_assertion alg '${String(header.alg)}' not allowed; use RS384 or ES384`);
    }
    // SMART: a jku header must name the JWKS URL registered for the client; with an inline JWKS none is.
    if (header.jku !== undefined && header.jku !== this.jwksUrl) {
      throw invalidClient('client_assertion jku is not the JWKS URL registered for this client');
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, this.keys, {
        algorithms: [...SMART_SIGNING_ALGORITHMS],
        issuer: this.clientId,
        subject: this.clientId,
        audience: this.audience,
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      }));
    } catch (err) {
      throw invalidClient(`client_assertion rejected: ${err instanceof Error ? err.message : String(err)}`);
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp ?? 0;
    if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS) {
      throw invalidClient(
        `client_assertion exp is ${exp - now} s ahead; at most ${MAX_ASSERTION_LIFETIME_SECONDS}`,
      );
    }
    const jti = payload.jti ?? '';
    for (const [seen, until] of this.seenJti) {
      if (until < now) {
        this.seenJti.delete(seen);
      }
    }
    if (this.seenJti.has(jti)) {
      throw invalidClient('client_assertion jti has been used before (replay)');
    }
    this.seenJti.set(jti, exp);
  }
}
