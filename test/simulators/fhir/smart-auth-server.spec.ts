import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE } from './client-assertion.js';
import { FhirTestServer } from './fhir-test-server.js';
import { fhirRequest } from './fhir-test-client.js';
import { closeServer, listenOnLoopback } from './http-io.js';
import { SmartAuthServer } from './smart-auth-server.js';

const CLIENT_ID = 'ohe-publisher';
type Alg = 'RS384' | 'ES384' | 'RS256';
interface Key {
  readonly alg: Alg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function makeKey(alg: Alg, kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

let rs384: Key;
let es384: Key;
let rs256: Key;
let unregistered: Key;
let auth: SmartAuthServer;
let fhir: FhirTestServer;

beforeAll(async () => {
  [rs384, es384, rs256, unregistered] = await Promise.all([
    makeKey('RS384', 'rs384'),
    makeKey('ES384', 'es384'),
    makeKey('RS256', 'rs256'),
    makeKey('RS384', 'rs384'),
  ]);
  fhir = await FhirTestServer.start({ requireBearer: (t) => auth.isTokenActive(t) });
  auth = await SmartAuthServer.start({
    clientId: CLIENT_ID,
    jwks: { keys: [rs384.jwk, es384.jwk, rs256.jwk] },
    fhirBaseUrl: fhir.baseUrl,
    clientSecret: 's3cret',
  });
});
afterAll(async () => {
  await auth.stop();
  await fhir.stop();
});

async function assertion(key: Key, claims: { aud?: string; exp?: number; jti?: string; iss?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: claims.jti ?? randomUUID() })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(claims.iss ?? CLIENT_ID)
    .setSubject(CLIENT_ID)
    .setAudience(claims.aud ?? auth.tokenUrl)
    .setExpirationTime(claims.exp ?? now + 240)
    .sign(key.privateKey);
}

async function requestToken(form: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(auth.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const withAssertion = (jwt: string) =>
  requestToken({
    grant_type: 'client_credentials',
    scope: 'system/Observation.cu system/Patient.rs',
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: jwt,
  });

describe('SmartAuthServer private_key_jwt', () => {
  it.each(['RS384', 'ES384'] as const)(
    'should issue a bearer token for a valid %s assertion',
    async (alg) => {
      const before = auth.tokenRequests;
      const answer = await withAssertion(await assertion(alg === 'RS384' ? rs384 : es384));

      expect(answer.status).toBe(200);
      expect(answer.body['token_type']).toBe('bearer');
      expect(answer.body['expires_in']).toBe(300);
      expect(answer.body['scope']).toBe('system/Observation.cu system/Patient.rs');
      expect(auth.issuedTokens.at(-1)).toBe(answer.body['access_token']);
      expect(auth.tokenRequests).toBe(before + 1);
    },
  );

  it('should let the issued token through a FhirTestServer that requires it', async () => {
    const token = String((await withAssertion(await assertion(rs384))).body['access_token']);

    const allowed = await fhirRequest(fhir.baseUrl, 'GET', 'Patient', {
      headers: { Authorization: `Bearer ${token}` },
    });
    auth.revokeTokens();
    const revoked = await fhirRequest(fhir.baseUrl, 'GET', 'Patient', {
      headers: { Authorization: `Bearer ${token}` },
    });

    expect([allowed.status, revoked.status]).toEqual([200, 401]);
  });

  it('should reject wrong aud, expired, too-far exp, RS256, an unregistered key and a foreign iss', async () => {
    const now = Math.floor(Date.now() / 1000);
    const rejected = [
      await assertion(rs384, { aud: fhir.baseUrl }),
      await assertion(rs384, { exp: now - 60 }),
      await assertion(rs384, { exp: now + 361 }),
      await assertion(rs256),
      await assertion(unregistered),
      await assertion(rs384, { iss: 'someone-else' }),
    ];

    const answers = [];
    for (const jwt of rejected) {
      answers.push(await withAssertion(jwt));
    }

    expect(answers.map((a) => [a.status, a.body['error']])).toEqual(Array(6).fill([400, 'invalid_client']));
    expect(answers.map((a) => a.body['error_description'])).toEqual([
      'client_assertion rejected: unexpected "aud" claim value',
      'client_assertion rejected: "exp" claim timestamp check failed',
      // The server reads its own clock: under load a second may have passed since the assertion was made.
      expect.stringMatching(/^client_assertion exp is 3(5\d|6[01]) s ahead; at most 300$/),
      "client_assertion alg 'RS256' not allowed; use RS384 or ES384",
      'client_assertion rejected: signature verification failed',
      'client_assertion rejected: unexpected "iss" claim value',
    ]);
  });

  it('should reject a replayed jti', async () => {
    const jwt = await assertion(es384, { jti: 'once-only' });

    const first = await withAssertion(jwt);
    const replay = await withAssertion(jwt);

    expect(first.status).toBe(200);
    expect([replay.status, replay.body['error']]).toEqual([400, 'invalid_client']);
    expect(replay.body['error_description']).toBe('client_assertion jti has been used before (replay)');
  });

  it('should verify against a JWKS URL', async () => {
    const jwksServer = createServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ keys: [es384.jwk] }));
    });
    const jwksUrl = `${await listenOnLoopback(jwksServer)}/jwks.json`;
    const remote = await SmartAuthServer.start({ clientId: CLIENT_ID, jwks: jwksUrl });
    try {
      const jwt = await new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES384', kid: 'es384', jku: jwksUrl })
        .setIssuer(CLIENT_ID)
        .setSubject(CLIENT_ID)
        .setAudience(remote.tokenUrl)
        .setExpirationTime('4m')
        .sign(es384.privateKey);
      const response = await fetch(remote.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: jwt,
        }).toString(),
      });
      expect(response.status).toBe(200);
    } finally {
      await remote.stop();
      await closeServer(jwksServer);
    }
  });
});

describe('SmartAuthServer client secrets and discovery', () => {
  it('should accept client_secret_basic and client_secret_post, and refuse a wrong secret', async () => {
    const basic = Buffer.from(`${CLIENT_ID}:s3cret`).toString('base64');
    const viaBasic = await requestToken(
      { grant_type: 'client_credentials' },
      { Authorization: `Basic ${basic}` },
    );
    const viaPost = await requestToken({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: 's3cret',
    });
    const wrong = await requestToken({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: 'nope',
    });
    const badGrant = await requestToken({
      grant_type: 'password',
      client_id: CLIENT_ID,
      client_secret: 's3cret',
    });

    expect(viaBasic.status).toBe(200);
    expect(viaPost.status).toBe(200);
    expect([wrong.status, wrong.body['error']]).toEqual([400, 'invalid_client']);
    expect([badGrant.status, badGrant.body['error']]).toEqual([400, 'unsupported_grant_type']);
  });

  it('should be announced by a FhirTestServer given smartConfiguration explicitly', async () => {
    const explicit = await FhirTestServer.start({ smartConfiguration: auth.smartConfiguration });
    try {
      const discovery = await fhirRequest<Record<string, unknown>>(
        explicit.baseUrl,
        'GET',
        '.well-known/smart-configuration',
      );
      expect(discovery.body['token_endpoint']).toBe(auth.tokenUrl);
      expect(discovery.body['grant_types_supported']).toEqual(['client_credentials']);
    } finally {
      await explicit.stop();
    }
  });

  it('should be announced by the FhirTestServer at fhirBaseUrl', async () => {
    const discovery = await fhirRequest<Record<string, unknown>>(
      fhir.baseUrl,
      'GET',
      '.well-known/smart-configuration',
    );

    expect(discovery.status).toBe(200);
    expect(discovery.body['token_endpoint']).toBe(auth.tokenUrl);
    expect(discovery.body['token_endpoint_auth_signing_alg_values_supported']).toEqual(['RS384', 'ES384']);
    expect(discovery.body['token_endpoint_auth_methods_supported']).toEqual([
      'private_key_jwt',
      'client_secret_basic',
      'client_secret_post',
    ]);
  });
});
