import { decodeProtectedHeader, exportJWK, exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ClientCredentialsFhirAuth, SmartBackendFhirAuth } from './oauth-fhir-auth.js';
import { TokenEndpointClient, type AccessToken } from './token-endpoint.client.js';

const TOKEN_URL = 'https://auth.example.org/token';
const SCOPES = 'system/Observation.cu system/Device.cu';

interface TokenCall {
  readonly tokenUrl: string;
  readonly form: Record<string, string>;
  readonly headers: Readonly<Record<string, string>>;
}

/** The token endpoint as this unit sees it: records each request and answers with numbered tokens. */
class RecordingEndpoint extends TokenEndpointClient {
  readonly calls: TokenCall[] = [];
  discoveries = 0;

  constructor(private readonly expiresIn: number | undefined = 300) {
    super(1000);
  }

  override discoverTokenUrl(): Promise<string> {
    this.discoveries += 1;
    return Promise.resolve(TOKEN_URL);
  }

  override async requestToken(
    tokenUrl: string,
    form: URLSearchParams,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<AccessToken> {
    this.calls.push({ tokenUrl, form: Object.fromEntries(form), headers });
    // A tick of latency, so concurrent callers really overlap.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return { accessToken: `token-${this.calls.length}`, expiresIn: this.expiresIn };
  }
}

function clock(start = Date.parse('2026-11-22T10:00:00Z')): {
  now: () => number;
  advance: (s: number) => void;
} {
  let t = start;
  return { now: () => t, advance: (s) => (t += s * 1000) };
}

const source = { tokenUrl: undefined, fhirBaseUrl: 'https://fhir.example.org/fhir', scopes: SCOPES };

describe(ClientCredentialsFhirAuth.name, () => {
  it('should authenticate with client_secret_basic and ask for the configured scopes', async () => {
    const endpoint = new RecordingEndpoint();
    const auth = new ClientCredentialsFhirAuth(endpoint, source, 'ohe client', 's3cr:t&');
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer token-1' });
    expect(endpoint.calls).toEqual([
      {
        tokenUrl: TOKEN_URL,
        form: { grant_type: 'client_credentials', scope: SCOPES },
        headers: { authorization: `Basic ${Buffer.from('ohe+client:s3cr%3At%26').toString('base64')}` },
      },
    ]);
    expect(endpoint.discoveries).toBe(1);
  });

  it('should reuse the token until 60 s before it expires, then fetch a new one', async () => {
    const endpoint = new RecordingEndpoint(300);
    const time = clock();
    const auth = new ClientCredentialsFhirAuth(endpoint, source, 'c', 's', time.now);
    await auth.headers();
    time.advance(239);
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer token-1' });
    time.advance(1);
    expect(await auth.headers()).toEqual({ Authorization: 'Bearer token-2' });
    expect(endpoint.calls).toHaveLength(2);
    expect(endpoint.discoveries).toBe(1);
  });

  it('should share one token request between concurrent callers', async () => {
    const endpoint = new RecordingEndpoint();
    const auth = new ClientCredentialsFhirAuth(endpoint, source, 'c', 's');
    const all = await Promise.all(Array.from({ length: 20 }, () => auth.headers()));
    expect(new Set(all.map((h) => h['Authorization']))).toEqual(new Set(['Bearer token-1']));
    expect(endpoint.calls).toHaveLength(1);
  });

  it('should drop the cached token when the server rejects it, but not a newer one', async () => {
    const endpoint = new RecordingEndpoint();
    const auth = new ClientCredentialsFhirAuth(endpoint, source, 'c', 's');
    const first = await auth.headers();
    expect(auth.invalidate(first)).toBe(true);
    const second = await auth.headers();
    expect(second).toEqual({ Authorization: 'Bearer token-2' });
    expect(auth.invalidate(first)).toBe(true);
    expect(await auth.headers()).toEqual(second);
    expect(endpoint.calls).toHaveLength(2);
  });

  it('should use the configured token URL without discovery', async () => {
    const endpoint = new RecordingEndpoint();
    const auth = new ClientCredentialsFhirAuth(
      endpoint,
      { ...source, tokenUrl: 'https://other/token' },
      'c',
      's',
    );
    await auth.headers();
    expect(endpoint.discoveries).toBe(0);
    expect(endpoint.calls[0]?.tokenUrl).toBe('https://other/token');
  });
});

describe(SmartBackendFhirAuth.name, () => {
  it.each(['RS384', 'ES384'] as const)(
    'should send a %s client assertion with the SMART claims and a fresh jti each time',
    async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const pem = await exportPKCS8(privateKey);
      const jwk = JSON.stringify(await exportJWK(privateKey));
      const endpoint = new RecordingEndpoint(300);
      const time = clock(Date.now());
      for (const key of [pem, jwk]) {
        const auth = new SmartBackendFhirAuth(
          endpoint,
          source,
          'ohe-client',
          { privateKey: key, keyId: 'key-1', alg },
          time.now,
        );
        await auth.headers();
      }
      const assertions = endpoint.calls.map((c) => c.form['client_assertion'] ?? '');
      expect(endpoint.calls.map((c) => ({ ...c.form, client_assertion: undefined }))).toEqual([
        {
          grant_type: 'client_credentials',
          scope: SCOPES,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: undefined,
        },
        expect.any(Object),
      ]);
      const claims = await Promise.all(
        assertions.map(async (jwt) => {
          expect(decodeProtectedHeader(jwt)).toEqual({ alg, kid: 'key-1', typ: 'JWT' });
          return (await jwtVerify(jwt, publicKey, { audience: TOKEN_URL, issuer: 'ohe-client' })).payload;
        }),
      );
      for (const claim of claims) {
        expect(claim.sub).toBe('ohe-client');
        expect(claim.exp! - claim.iat!).toBe(240);
      }
      expect(claims[0]?.jti).not.toBe(claims[1]?.jti);
    },
  );
});
