import {
  FhirPermanentError,
  FhirRetryableError,
  parseRetryAfter,
  toFhirError,
  type FhirError,
} from '../fhir-errors.js';

export interface AccessToken {
  readonly accessToken: string;
  /** Seconds the token is valid for, when the server said. */
  readonly expiresIn: number | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The HTTP side of OAuth for the FHIR server: SMART discovery and the token request, each with a timeout. */
export class TokenEndpointClient {
  constructor(private readonly timeoutMs: number) {}

  /** `token_endpoint` from `{fhirBaseUrl}/.well-known/smart-configuration`. */
  async discoverTokenUrl(fhirBaseUrl: string): Promise<string> {
    const url = `${fhirBaseUrl}/.well-known/smart-configuration`;
    const response = await this.send('SMART discovery', url, {
      headers: { accept: 'application/json' },
    });
    const body = await this.json('SMART discovery', response);
    const endpoint = isObject(body) ? body['token_endpoint'] : undefined;
    if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint)) {
      throw new FhirPermanentError(`SMART discovery at ${url} names no token_endpoint`, response.status);
    }
    return endpoint;
  }

  /** POSTs a form to the token endpoint and reads the access token out of the answer. */
  async requestToken(
    tokenUrl: string,
    form: URLSearchParams,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<AccessToken> {
    const response = await this.send('Token request', tokenUrl, {
      method: 'POST',
      headers: {
        ...headers,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
    });
    const body = await this.json('Token request', response);
    const token = isObject(body) ? body['access_token'] : undefined;
    const expiresIn = isObject(body) ? Number(body['expires_in']) : Number.NaN;
    if (typeof token !== 'string' || token === '') {
      throw new FhirPermanentError(
        `Token endpoint ${tokenUrl} answered without an access_token`,
        response.status,
      );
    }
    return {
      accessToken: token,
      expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined,
    };
  }

  private async send(what: string, url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw this.wrap(what, err);
    }
    if (response.ok) {
      return response;
    }
    // The OAuth error code (invalid_client, invalid_scope...) says what to fix; the body is not logged whole.
    const body = await response.json().catch(() => undefined);
    const code = isObject(body) && typeof body['error'] === 'string' ? ` ${body['error']}` : '';
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const message = `${what} to ${url} failed: HTTP ${response.status}${code}`;
    if (response.status === 429) {
      throw new FhirRetryableError(message, 'rate-limited', response.status, retryAfterMs);
    }
    if (response.status >= 500 || response.status === 408) {
      throw new FhirRetryableError(message, 'server', response.status, retryAfterMs);
    }
    throw new FhirPermanentError(message, response.status);
  }

  private async json(what: string, response: Response): Promise<unknown> {
    try {
      return await response.json();
    } catch (err) {
      throw this.wrap(what, err, `${what} answered HTTP ${response.status} with a body that is not JSON`);
    }
  }

  private wrap(what: string, err: unknown, fallback?: string): FhirError {
    return (
      toFhirError(err, what) ??
      new FhirRetryableError(fallback ?? `${what} failed`, 'server', undefined, undefined, { cause: err })
    );
  }
}
