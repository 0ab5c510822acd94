import { Injectable } from '@nestjs/common';
import {
  DEFAULT_ORGANIZATION_ID,
  type FhirAuthKind,
  type Organization,
} from '../../common/organizations/organization.entity.js';
import { AppConfig, type FhirAuthConfig } from '../../config/app-config.js';
import type { OrganizationDto } from './dto/organization.dto.js';

const AUTH_KIND: Readonly<Record<FhirAuthConfig['mode'], FhirAuthKind>> = {
  none: 'none',
  static: 'static_header',
  client_credentials: 'client_credentials',
  smart_backend: 'smart_backend',
};

/**
 * An organization as the API shows it. The default organization shows the target it really publishes to, the
 * environment's, not its row's (unused) target columns. Secrets never appear, only the kind of auth.
 */
@Injectable()
export class OrganizationView {
  constructor(private readonly config: AppConfig) {}

  of(org: Organization): OrganizationDto {
    const common = {
      id: org.id,
      slug: org.slug,
      name: org.name,
      created_at: org.createdAt.toISOString(),
      updated_at: org.updatedAt.toISOString(),
    };
    if (org.id === DEFAULT_ORGANIZATION_ID) {
      const fhir = this.config.fhir;
      const jhe = fhir.target === 'jhe';
      return {
        ...common,
        target: fhir.target,
        fhir_base_url: jhe ? null : (fhir.baseUrl ?? null),
        fhir_auth_kind: AUTH_KIND[fhir.auth.mode],
        jhe_base_url: jhe ? (fhir.baseUrl ?? null) : null,
        jhe_data_source_id: fhir.jheDataSourceId ?? null,
        target_source: 'environment',
      };
    }
    return {
      ...common,
      target: org.targetKind,
      fhir_base_url: org.fhirBaseUrl,
      fhir_auth_kind: org.fhirAuthKind,
      jhe_base_url: org.jheBaseUrl,
      jhe_data_source_id: org.jheDataSourceId,
      target_source: 'organization',
    };
  }
}
