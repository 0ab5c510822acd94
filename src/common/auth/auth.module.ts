import { Global, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../../config/app-config.js';
import { ApiKey } from './api-key.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeyService } from './api-key.service.js';
import { AuthGuard } from './auth.guard.js';
import { JwtVerifierService } from './jwt-verifier.service.js';

/** API-client authentication: OIDC JWTs and hashed API keys, enforced by a global guard. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey])],
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    JwtVerifierService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeyService],
})
export class AuthModule implements OnModuleInit {
  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    if (this.config.authMode === 'none') {
      new Logger('Auth').warn(
        'AUTH_MODE=none: every caller may act for every patient. Use this for local development only.',
      );
    }
  }
}
