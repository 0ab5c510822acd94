import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FhirPermanentError } from '../../src/publishers/fhir-errors.js';
import { FhirTestServer } from '../simulators/fhir/fhir-test-server.js';
import { SmartAuthServer } from '../simulators/fhir/smart-auth-server.js';
import { heartRate } from './fhir-publisher.fixtures.js';
import { startPublisher, type PublisherHarness } from './fhir-publisher.harness.js';

const STATIC_TOKEN = 'static-token-0123456789';
const CLIENT_ID = 'ohe-publisher';

describe('FhirPublisher authentication against a FHIR server that requires a bearer token', () => {
  let server: FhirTestServer;
  let auth: SmartAuthServer | undefined;
  let harness: PublisherHarness | undefined;

  beforeAll(async () => {
    // Accepts the static token, or any unexpired token of the auth server of the current test.
    server = await FhirTestServer.start({
      requireBearer: (token) => token === STATIC_TOKEN || auth?.isTokenActive(token) === true,
    });
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.reset();
  });
  afterEach(async () => {
    await harness?.close();
    await auth?.stop();
    harness = undefined;
    auth = undefined;
  });

  async function start(env: Record<string, string>): Promise<PublisherHarness> {
    harness = await startPublisher({ FHIR_BASE_URL: server.baseUrl, ...env });
    return harness;
  }

  const stored = (id: string): Promise<number> =>
    server.countByIdentifier('Observation', heartRate(id).identifier.system, id);

  it('should reach the server with a static bearer token', async () => {
    const { publisher } = await start({ FHIR_AUTH_MODE: 'static', FHIR_AUTH_TOKEN: STATIC_TOKEN });

    expect(await publisher.publish([heartRate('m1')])).toMatchObject({ created: 1 });
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual([`Bearer ${STATIC_TOKEN}`]);
  });

  it('should fail for good on a refused static token, without retrying the same token', async () => {
    const { publisher } = await start({ FHIR_AUTH_MODE: 'static', FHIR_AUTH_TOKEN: 'wrong' });

    const error = await publisher.publish([heartRate('m1')]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FhirPermanentError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('should get a client_credentials token with the client secret and reuse it', async () => {
    auth = await SmartAuthServer.start({
      clientId: CLIENT_ID,
      jwks: { keys: [] },
      clientSecret: 'cs-secret',
    });
    const { publisher } = await start({
      FHIR_AUTH_MODE: 'client_credentials',
      FHIR_TOKEN_URL: auth.tokenUrl,
      FHIR_CLIENT_ID: CLIENT_ID,
      FHIR_CLIENT_SECRET: 'cs-secret',
    });

    await publisher.publish([heartRate('m1')]);
    await publisher.publish([heartRate('m2')]);

    expect(auth.tokenRequests).toBe(1);
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual([
      `Bearer ${auth.issuedTokens[0]}`,
      `Bearer ${auth.issuedTokens[0]}`,
    ]);
    expect([await stored('m1'), await stored('m2')]).toEqual([1, 1]);
  });

  it.each(['RS384', 'ES384'] as const)(
    'should run SMART Backend Services end to end with an %s key: discovery, reuse, renewal after expiry',
    async (alg) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const publicJwk = { ...(await exportJWK(publicKey)), kid: `kid-${alg}`, alg, use: 'sig' };
      // The PEM form for RSA and the JWK form for EC, so both key formats go end to end.
      const key =
        alg === 'RS384' ? await exportPKCS8(privateKey) : JSON.stringify(await exportJWK(privateKey));
      auth = await SmartAuthServer.start({
        clientId: CLIENT_ID,
        jwks: { keys: [publicJwk] },
        fhirBaseUrl: server.baseUrl,
        tokenLifetimeSeconds: 2,
      });
      const { publisher } = await start({
        FHIR_AUTH_MODE: 'smart_backend',
        FHIR_CLIENT_ID: CLIENT_ID,
        FHIR_PRIVATE_KEY: key,
        FHIR_KEY_ID: `kid-${alg}`,
      });

      await publisher.publish([heartRate('m1')]);
      await publisher.publish([heartRate('m2')]);
      expect(auth.issuedTokens).toHaveLength(1);

      // A 2 s token is renewed 0.4 s before it lapses.
      await sleep(1700);
      await publisher.publish([heartRate('m3')]);

      expect(auth.issuedTokens).toHaveLength(2);
      expect(auth.tokenRequests).toBe(2);
      const [discovery, ...transactions] = server.requests;
      expect(discovery).toMatchObject({ method: 'GET', path: '/fhir/.well-known/smart-configuration' });
      expect(transactions.map((r) => r.headers['authorization'])).toEqual([
        `Bearer ${auth.issuedTokens[0]}`,
        `Bearer ${auth.issuedTokens[0]}`,
        `Bearer ${auth.issuedTokens[1]}`,
      ]);
      expect([await stored('m1'), await stored('m2'), await stored('m3')]).toEqual([1, 1, 1]);
    },
  );

  it('should fetch a new token and retry once when the server refuses a revoked one', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
    auth = await SmartAuthServer.start({
      clientId: CLIENT_ID,
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES384' }] },
    });
    const { publisher } = await start({
      FHIR_AUTH_MODE: 'smart_backend',
      FHIR_TOKEN_URL: auth.tokenUrl,
      FHIR_CLIENT_ID: CLIENT_ID,
      FHIR_PRIVATE_KEY: JSON.stringify(await exportJWK(privateKey)),
      FHIR_KEY_ID: 'k1',
    });
    await publisher.publish([heartRate('m1')]);
    const revoked = auth.issuedTokens[0];
    auth.revokeTokens();

    expect(await publisher.publish([heartRate('m2')])).toMatchObject({ created: 1 });

    expect(auth.tokenRequests).toBe(2);
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual([
      `Bearer ${revoked}`,
      `Bearer ${revoked}`,
      `Bearer ${auth.issuedTokens[0]}`,
    ]);
  });
});
