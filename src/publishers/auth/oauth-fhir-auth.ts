import { createPrivateKey, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { FhirSigningAlg } from '../../config/app-config.js';
import { FhirConfigurationError } from '../fhir-errors.js';
import { FhirAuth } from './fhir-auth.js';
import type { AccessToken, TokenEndpointClient } from './token-endpoint.client.js';

/** Assumed lifetime when the token endpoint leaves out expires_in; a 401 still forces an early refresh. */
const DEFAULT_LIFETIME_S = 300;
/** Tokens are renewed this long before they expire, so a request never leaves with a token about to lapse. */
const REFRESH_MARGIN_S = 60;

export interface TokenSource {
  /** Token endpoint from the settings; discovered from the FHIR server's SMART configuration when undefined. */
  readonly tokenUrl: string | undefined;
  readonly fhirBaseUrl: string | undefined;
  readonly scopes: string;
}

/**
 * A client_credentials access token, cached in the process until shortly before it expires. Concurrent
 * callers share one in-flight token request, so a burst of publishes costs one round trip to the endpoint.
 */
export abstract class OAuthFhirAuth extends FhirAuth {
  private cached: { readonly header: string; readonly renewAt: number } | undefined;
  private inflight: Promise<string> | undefined;
  private tokenUrl: Promise<string> | undefined;

  protected constructor(
    private readonly endpoint: TokenEndpointClient,
    private readonly source: TokenSource,
    /** Epoch milliseconds; tests pass their own clock. */
    protected readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** The form fields and headers that authenticate this client at the token endpoint. */
  protected abstract credentials(
    tokenUrl: string,
  ): Promise<{ form: Record<string, string>; headers?: Record<string, string> }>;

  async headers(): Promise<Readonly<Record<string, string>>> {
    if (this.cached !== undefined && this.now() < this.cached.renewAt) {
      return { Authorization: this.cached.header };
    }
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return { Authorization: await this.inflight };
  }

  invalidate(rejected?: Readonly<Record<string, string>>): boolean {
    // A 401 for a token that was already replaced must not throw away the fresh one.
    if (rejected === undefined || rejected['Authorization'] === this.cached?.header) {
      this.cached = undefined;
    }
    return true;
  }

  private async fetchToken(): Promise<string> {
    const tokenUrl = await this.resolveTokenUrl();
    const { form, headers } = await this.credentials(tokenUrl);
    const params = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.source.scopes,
      ...form,
    });
    const token: AccessToken = await this.endpoint.requestToken(tokenUrl, params, headers);
    const lifetime = token.expiresIn ?? DEFAULT_LIFETIME_S;
    // Short-lived tokens (tests, strict servers) keep most of their life instead of being renewed on every call.
    const margin = Math.min(REFRESH_MARGIN_S, lifetime * 0.2);
    const header = `Bearer ${token.accessToken}`;
    this.cached = { header, renewAt: this.now() + (lifetime - margin) * 1000 };
    return header;
  }

  private resolveTokenUrl(): Promise<string> {
    if (this.source.tokenUrl !== undefined) {
      return Promise.resolve(this.source.tokenUrl);
    }
    const baseUrl = this.source.fhirBaseUrl;
    if (baseUrl === undefined) {
      return Promise.reject(
        new FhirConfigurationError('FHIR_BASE_URL is needed to discover the token endpoint'),
      );
    }
    this.tokenUrl ??= this.endpoint.discoverTokenUrl(baseUrl).catch((err: unknown) => {
      // A failed discovery is retried by the next call instead of being remembered.
      this.tokenUrl = undefined;
      throw err;
    });
    return this.tokenUrl;
  }
}

/** FHIR_AUTH_MODE=client_credentials: client id and secret sent as HTTP Basic (client_secret_basic). */
export class ClientCredentialsFhirAuth extends OAuthFhirAuth {
  private readonly basic: string;

  constructor(
    endpoint: TokenEndpointClient,
    source: TokenSource,
    clientId: string,
    clientSecret: string,
    now?: () => number,
  ) {
    super(endpoint, source, now);
    // RFC 6749 §2.3.1: both parts are form-encoded before they are joined and base64-encoded.
    const encode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
    this.basic = `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`;
  }

  protected credentials(): Promise<{ form: Record<string, string>; headers: Record<string, string> }> {
    return Promise.resolve({ form: {}, headers: { authorization: this.basic } });
  }
}

export interface SigningKey {
  /** PEM or private JWK JSON, as validated by loadConfig. */
  readonly privateKey: string;
  readonly keyId: string;
  readonly alg: FhirSigningAlg;
}

/** The assertion's lifetime: SMART allows at most 5 minutes; one less leaves room for clock skew. */
const ASSERTION_LIFETIME_S = 240;

/**
 * FHIR_AUTH_MODE=smart_backend (SMART Backend Services): the client authenticates with a JWT assertion signed
 * by its private key (private_key_jwt, RFC 7523); the server knows the public half from the registered JWKS.
 */
export class SmartBackendFhirAuth extends OAuthFhirAuth {
  private readonly key: KeyObject;

  constructor(
    endpoint: TokenEndpointClient,
    source: TokenSource,
    private readonly clientId: string,
    private readonly signing: SigningKey,
    now?: () => number,
  ) {
    super(endpoint, source, now);
    const text = signing.privateKey;
    this.key = text.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(text) as JsonWebKey, format: 'jwk' })
      : createPrivateKey(text);
  }

  protected async credentials(tokenUrl: string): Promise<{ form: Record<string, string> }> {
    const issuedAt = Math.floor(this.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: this.signing.alg, kid: this.signing.keyId, typ: 'JWT' })
      .setIssuer(this.clientId)
      .setSubject(this.clientId)
      .setAudience(tokenUrl)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ASSERTION_LIFETIME_S)
      // Servers refuse a replayed assertion, so every token request gets a new one.
      .setJti(randomUUID())
      .sign(this.key);
    return {
      form: {
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      },
    };
  }
}
