import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Organization } from './organization.entity.js';
import { OrganizationRepository } from './organization.repository.js';
import { OrganizationSecrets } from './organization-secrets.js';

/** The organizations table, for authentication (whose credential is this), the API and the publishers. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([Organization])],
  providers: [OrganizationRepository, OrganizationSecrets],
  exports: [OrganizationRepository, OrganizationSecrets],
})
export class OrganizationsModule {}
