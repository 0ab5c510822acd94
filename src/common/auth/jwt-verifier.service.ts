import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { AppConfig, type OidcConfig } from '../../config/app-config.js';
import { DEFAULT_ORGANIZATION_ID } from '../organizations/organization.entity.js';
import { OrganizationRepository } from '../organizations/organization.repository.js';
import type { Principal } from './principal.js';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const SCOPE_CLAIMS = ['scope', 'scp'];

/**
 * Whether the token carries the service value in the configured claim, and only there: a value the issuer
 * puts in some other claim (one users may influence, say) must not make a patient token a service token.
 */
export function isServiceToken(
  payload: JWTPayload,
  oidc: Pick<OidcConfig, 'serviceClaim' | 'serviceValue'>,
): boolean {
  const claim: unknown = payload[oidc.serviceClaim];
  if (Array.isArray(claim)) {
    return claim.includes(oidc.serviceValue);
  }
  if (typeof claim !== 'string') {
    return false;
  }
  return SCOPE_CLAIMS.includes(oidc.serviceClaim)
    ? claim.split(/\s+/).includes(oidc.serviceValue)
    : claim === oidc.serviceValue;
}

/**
 * Verifies bearer JWTs from the configured OIDC issuer against its JWKS (signature, allowed algorithms,
 * issuer, audience, expiry). The JWKS is fetched lazily and cached by jose, which also refetches on unknown kids.
 */
@Injectable()
export class JwtVerifierService {
  private keySet: Promise<KeySet> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly organizations: OrganizationRepository,
  ) {}

  get enabled(): boolean {
    return this.config.oidc !== undefined;
  }

  /** The principal for a valid token; undefined for any invalid, expired or foreign token. */
  async verify(token: string): Promise<Principal | undefined> {
    const oidc = this.config.oidc;
    if (oidc === undefined) {
      return undefined;
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.jwks(oidc), {
        issuer: oidc.issuer,
        audience: oidc.audience,
        algorithms: [...oidc.algorithms],
        clockTolerance: 30,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) {
        return undefined;
      }
      throw err;
    }
    const subject = typeof payload.sub === 'string' ? payload.sub : 'unknown';
    const organizationId = await this.organizationOf(payload, oidc);
    if (organizationId === undefined) {
      return undefined;
    }
    if (isServiceToken(payload, oidc)) {
      return { role: 'service', subject: `jwt:${subject}`, ehrUserId: undefined, organizationId, via: 'jwt' };
    }
    const user = payload[oidc.userClaim];
    if (typeof user !== 'string' || user === '') {
      return undefined;
    }
    return { role: 'patient', subject: `jwt:${subject}`, ehrUserId: user, organizationId, via: 'jwt' };
  }

  /**
   * The token's organization: the default one when OIDC_ORG_CLAIM is unset; else the one the claim names, and
   * none (the token is refused) when the claim is absent or names no organization.
   */
  private async organizationOf(payload: JWTPayload, oidc: OidcConfig): Promise<string | undefined> {
    if (oidc.orgClaim === undefined) {
      return DEFAULT_ORGANIZATION_ID;
    }
    const slug = payload[oidc.orgClaim];
    if (typeof slug !== 'string' || slug === '') {
      return undefined;
    }
    return (await this.organizations.findBySlug(slug))?.id;
  }

  private jwks(oidc: OidcConfig): Promise<KeySet> {
    this.keySet ??= this.resolveJwksUrl(oidc).then((url) => createRemoteJWKSet(new URL(url)));
    // A failed discovery must not be cached forever.
    this.keySet.catch(() => (this.keySet = undefined));
    return this.keySet;
  }

  private async resolveJwksUrl(oidc: OidcConfig): Promise<string> {
    if (oidc.jwksUrl !== undefined) {
      return oidc.jwksUrl;
    }
    const res = await fetch(`${oidc.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5000),
    });
    const doc = (await res.json()) as { jwks_uri?: unknown };
    if (!res.ok || typeof doc.jwks_uri !== 'string') {
      throw new Error(`OIDC discovery at ${oidc.issuer} gave no jwks_uri`);
    }
    return doc.jwks_uri;
  }
}
