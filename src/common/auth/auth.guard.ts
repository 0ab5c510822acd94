import { HttpStatus, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../../config/app-config.js';
import { ApiError, ForbiddenError, UnauthorizedError } from '../errors/api-error.js';
import { ApiKeyService } from './api-key.service.js';
import { IS_PUBLIC, PLATFORM_ONLY, SERVICE_ONLY, type AuthenticatedRequest } from './auth.decorators.js';
import { JwtVerifierService } from './jwt-verifier.service.js';
import { DEFAULT_ORGANIZATION_ID } from '../organizations/organization.entity.js';
import { isServiceRole, type Principal } from './principal.js';

// Local runs may do everything, managing organizations included.
const LOCAL_PRINCIPAL: Principal = {
  role: 'platform',
  subject: 'local',
  ehrUserId: undefined,
  organizationId: DEFAULT_ORGANIZATION_ID,
  via: 'none',
};

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Global guard: every route needs `Authorization: Bearer <jwt | api key>` unless marked @Public().
 * A token with three dot-separated parts is treated as a JWT, anything else as an API key.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly jwt: JwtVerifierService,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) {
      return true;
    }
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.config.authMode === 'none') {
      req.principal = LOCAL_PRINCIPAL;
      return true;
    }
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      throw new UnauthorizedError();
    }
    const principal = await this.identify(token);
    if (principal === undefined) {
      throw new UnauthorizedError('Invalid or expired credentials');
    }
    req.principal = principal;
    const targets = [context.getHandler(), context.getClass()];
    if (!isServiceRole(principal.role) && this.reflector.getAllAndOverride<boolean>(SERVICE_ONLY, targets)) {
      throw new ForbiddenError('This route is for service credentials only');
    }
    if (principal.role !== 'platform' && this.reflector.getAllAndOverride<boolean>(PLATFORM_ONLY, targets)) {
      throw new ForbiddenError('This route is for platform credentials only');
    }
    return true;
  }

  private async identify(token: string): Promise<Principal | undefined> {
    try {
      return token.split('.').length === 3 ? await this.jwt.verify(token) : await this.apiKeys.verify(token);
    } catch (err) {
      this.logger.error({ err }, 'credential verification failed');
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'auth_unavailable',
        'Credentials cannot be verified right now; retry later',
      );
    }
  }
}
