import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal } from './principal.js';

export const IS_PUBLIC = 'ohe:isPublic';

/** Marks a route (or controller) as open to anonymous callers: provider info, probes, webhooks. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

export const SERVICE_ONLY = 'ohe:serviceOnly';

/** Restricts a route (or controller) to service principals (the EHR backend, operators); patients get 403. */
export const ServiceOnly = (): MethodDecorator & ClassDecorator => SetMetadata(SERVICE_ONLY, true);

export const PLATFORM_ONLY = 'ohe:platformOnly';

/** Restricts a route (or controller) to platform principals, who manage organizations; others get 403. */
export const PlatformOnly = (): MethodDecorator & ClassDecorator => SetMetadata(PLATFORM_ONLY, true);

export type AuthenticatedRequest = Request & { principal?: Principal };

/** The caller the AuthGuard established; only on non-public routes. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (principal === undefined) {
    throw new Error('CurrentPrincipal used on a route without authentication');
  }
  return principal;
});
