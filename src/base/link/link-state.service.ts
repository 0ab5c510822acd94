import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { DEFAULT_ORGANIZATION_ID } from '../../common/organizations/organization.entity.js';
import { RedisService } from '../../common/redis/redis.service.js';
import { AppConfig } from '../../config/app-config.js';

export const STATE_TTL_S = 600;
const ISSUER = 'ohe-link';

/** What a link attempt's state binds: who is linked, to what, and where the browser goes afterwards. */
export interface LinkContext {
  /** The organization of the principal that started the link: the patient is that organization's. */
  readonly organizationId: string;
  readonly ehrUserId: string;
  readonly provider: string;
  readonly successUrl: string | undefined;
  readonly errorUrl: string | undefined;
  /** Subject of the principal that started the link, for the audit trail. */
  readonly actor: string;
}

export interface ConsumedState extends LinkContext {
  /** PKCE code verifier, for providers that use PKCE. */
  readonly verifier: string | undefined;
}

export class InvalidStateError extends Error {
  override readonly name = 'InvalidStateError';
}

/**
 * OAuth `state`: an HS256 JWT (LINK_STATE_SECRET) binding the LinkContext, expiring after 10 minutes, and
 * single-use through a Redis key `SET NX EX` at issue and `GETDEL` at the callback. The PKCE verifier never
 * travels through the browser: it is the value of that Redis key, released only to the first valid callback.
 */
@Injectable()
export class LinkStateService {
  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {}

  get configured(): boolean {
    return this.config.linking.stateSecret !== undefined;
  }

  /** A signed state and when it stops being accepted. */
  async issue(
    context: LinkContext,
    verifier: string | undefined,
  ): Promise<{ state: string; expiresAt: Date }> {
    const jti = randomBytes(16).toString('base64url');
    const stored = await this.redis.client.set(this.key(jti), verifier ?? '-', 'EX', STATE_TTL_S, 'NX');
    if (stored !== 'OK') {
      throw new Error('OAuth state id collision');
    }
    const expSeconds = Math.floor(Date.now() / 1000) + STATE_TTL_S;
    const state = await new SignJWT({
      org: context.organizationId,
      ehr: context.ehrUserId,
      ok: context.successUrl,
      err: context.errorUrl,
      act: context.actor,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(context.provider)
      .setJti(jti)
      .setIssuedAt()
      .setExpirationTime(expSeconds)
      .sign(this.secret());
    return { state, expiresAt: new Date(expSeconds * 1000) };
  }

  /** Verifies signature, expiry and provider, then burns the state; a second use fails. */
  async consume(state: string | undefined, provider: string): Promise<ConsumedState> {
    if (state === undefined || state === '') {
      throw new InvalidStateError('missing state');
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(state, this.secret(), {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: provider,
        requiredClaims: ['jti', 'exp', 'ehr'],
      }));
    } catch (err) {
      throw new InvalidStateError(`state rejected: ${(err as Error).message}`);
    }
    const verifier = await this.redis.client.getdel(this.key(String(payload['jti'])));
    if (verifier === null) {
      throw new InvalidStateError('state already used or expired');
    }
    const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return {
      // A state issued before organizations existed (a flow in progress across the upgrade) is the default's.
      organizationId: text(payload['org']) ?? DEFAULT_ORGANIZATION_ID,
      ehrUserId: String(payload['ehr']),
      provider,
      successUrl: text(payload['ok']),
      errorUrl: text(payload['err']),
      actor: text(payload['act']) ?? 'unknown',
      verifier: verifier === '-' ? undefined : verifier,
    };
  }

  private key(jti: string): string {
    return this.redis.key('oauth-state', jti);
  }

  private secret(): Uint8Array {
    return new TextEncoder().encode(this.config.linking.stateSecret ?? '');
  }
}
