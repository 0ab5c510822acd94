import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';

/**
 * A local OIDC issuer: serves discovery and a JWKS on 127.0.0.1 and signs tokens with its key, so JWT
 * verification is tested end to end over HTTP exactly as against a real identity provider.
 */
export class LocalIssuer {
  private server: Server | undefined;
  private privateKey: CryptoKey | undefined;
  private jwk: JWK | undefined;
  issuer = '';
  jwksRequests = 0;

  async start(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.privateKey = privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') {
        res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: `${this.issuer}/jwks` }));
      } else if (req.url === '/jwks') {
        this.jwksRequests++;
        res.end(JSON.stringify({ keys: [this.jwk] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Signs a token; `claims` override the defaults (issuer, audience, one-hour expiry). */
  async sign(
    claims: JWTPayload,
    options: { audience?: string; issuer?: string; expiresIn?: string | number; key?: CryptoKey } = {},
  ): Promise<string> {
    const key = options.key ?? this.privateKey;
    if (key === undefined) {
      throw new Error('issuer not started');
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(options.audience ?? 'ohe-api')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '1h')
      .sign(key);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
