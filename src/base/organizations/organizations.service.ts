import { HttpStatus, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../../common/audit/audit.service.js';
import type { Principal } from '../../common/auth/principal.js';
import { REQUIRED_MESSAGE } from '../../common/domain/ehr-user-id.js';
import { ApiError, NotFoundError, ValidationError } from '../../common/errors/api-error.js';
import { fhirAuthProblems } from '../../common/organizations/fhir-auth-settings.js';
import {
  DEFAULT_ORGANIZATION_ID,
  type Organization,
} from '../../common/organizations/organization.entity.js';
import {
  OrganizationRepository,
  type OrganizationValues,
} from '../../common/organizations/organization.repository.js';
import { OrganizationSecrets } from '../../common/organizations/organization-secrets.js';
import { OrganizationPublisherRegistry } from '../../publishers/organizations/organization-publishers.js';
import type {
  CreateOrganizationDto,
  OrganizationDto,
  UpdateOrganizationDto,
} from './dto/organization.dto.js';
import { OrganizationView } from './organization-view.js';

/**
 * Organizations, managed by platform principals (audited, secrets never echoed, logged or audited). The default
 * organization's target is the environment's: only its name may change, and it cannot be deleted. An
 * organization that still owns patients, API keys or pending links cannot be deleted either.
 */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationRepository,
    private readonly secrets: OrganizationSecrets,
    private readonly publishers: OrganizationPublisherRegistry,
    private readonly view: OrganizationView,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<OrganizationDto[]> {
    return (await this.organizations.list()).map((o) => this.view.of(o));
  }

  async get(slug: string): Promise<OrganizationDto> {
    return this.view.of(await this.find(slug));
  }

  async create(
    principal: Principal,
    body: CreateOrganizationDto,
    requestId: string,
  ): Promise<OrganizationDto> {
    if (body.name === undefined) {
      throw ValidationError.field('name', REQUIRED_MESSAGE);
    }
    if ((await this.organizations.findBySlug(body.slug)) !== null) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'organization_exists',
        `Organization ${body.slug} exists already`,
      );
    }
    const id = randomUUID();
    const values = this.valuesOf(id, undefined, body);
    const created = await this.organizations.insert(id, { ...values, slug: body.slug, name: body.name });
    await this.record(principal, 'organization.created', created, requestId);
    return this.view.of(created);
  }

  async update(
    principal: Principal,
    slug: string,
    body: UpdateOrganizationDto,
    requestId: string,
  ): Promise<OrganizationDto> {
    const org = await this.find(slug);
    const changesTarget = Object.keys(body).some((k) => k !== 'name');
    if (org.id === DEFAULT_ORGANIZATION_ID && changesTarget) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'default_organization_target',
        "The default organization's target comes from the environment (FHIR_* settings); only its name may change",
      );
    }
    const values = changesTarget ? this.valuesOf(org.id, org, body) : {};
    const updated = await this.organizations.update(org.id, {
      ...values,
      ...(body.name === undefined ? {} : { name: body.name }),
    });
    if (updated === null) {
      throw notFound(slug);
    }
    this.publishers.invalidate(org.id);
    await this.record(principal, 'organization.updated', updated, requestId);
    return this.view.of(updated);
  }

  async remove(principal: Principal, slug: string, requestId: string): Promise<void> {
    const org = await this.find(slug);
    if (org.id === DEFAULT_ORGANIZATION_ID) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'default_organization',
        'The default organization cannot be deleted',
      );
    }
    if (await this.organizations.inUse(org.id)) {
      throw new ApiError(
        HttpStatus.CONFLICT,
        'organization_in_use',
        'The organization still owns patients, API keys or pending links',
      );
    }
    await this.organizations.delete(org.id);
    this.publishers.invalidate(org.id);
    await this.record(principal, 'organization.deleted', org, requestId);
  }

  private async find(slug: string): Promise<Organization> {
    const org = await this.organizations.findBySlug(slug);
    if (org === null) {
      throw notFound(slug);
    }
    return org;
  }

  /** The target columns after applying the body to the current row (none on create), checked as a whole. */
  private valuesOf(
    id: string,
    current: Organization | undefined,
    body: UpdateOrganizationDto,
  ): Omit<OrganizationValues, 'slug' | 'name'> {
    const target = body.target ?? current?.targetKind ?? 'fhir';
    const values = {
      targetKind: target,
      fhirBaseUrl: body.fhir_base_url ?? current?.fhirBaseUrl ?? null,
      jheBaseUrl: body.jhe_base_url ?? current?.jheBaseUrl ?? null,
      jheDataSourceId: body.jhe_data_source_id ?? current?.jheDataSourceId ?? null,
    };
    const problems: Record<string, string[]> = {};
    if (target === 'fhir' && values.fhirBaseUrl === null) {
      problems['fhir_base_url'] = ['Required when target is fhir.'];
    }
    if (target === 'jhe' && values.jheBaseUrl === null) {
      problems['jhe_base_url'] = ['Required when target is jhe.'];
    }
    if (target === 'jhe' && values.jheDataSourceId === null) {
      problems['jhe_data_source_id'] = ['Required when target is jhe.'];
    }
    if (body.fhir_auth !== undefined) {
      const { kind, ...settings } = body.fhir_auth;
      Object.assign(problems, fhirAuthProblems(kind, settings));
    }
    if (Object.keys(problems).length > 0) {
      throw new ValidationError(problems);
    }
    return { ...values, ...this.sealedAuth(id, current, body) };
  }

  private sealedAuth(
    id: string,
    current: Organization | undefined,
    body: UpdateOrganizationDto,
  ): Pick<OrganizationValues, 'fhirAuthKind' | 'fhirAuthEnc' | 'fhirAuthKeyId'> {
    if (body.fhir_auth === undefined) {
      return {
        fhirAuthKind: current?.fhirAuthKind ?? 'none',
        fhirAuthEnc: current?.fhirAuthEnc ?? null,
        fhirAuthKeyId: current?.fhirAuthKeyId ?? null,
      };
    }
    const { kind, ...settings } = body.fhir_auth;
    if (kind === 'none') {
      return { fhirAuthKind: kind, fhirAuthEnc: null, fhirAuthKeyId: null };
    }
    if (!this.secrets.configured) {
      throw new ApiError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        'token_keys_missing',
        'TOKEN_KEYS is not set: organization credentials cannot be stored',
      );
    }
    const sealed = this.secrets.seal(id, settings);
    return { fhirAuthKind: kind, fhirAuthEnc: sealed.value, fhirAuthKeyId: sealed.keyId };
  }

  private record(principal: Principal, action: string, org: Organization, requestId: string): Promise<void> {
    return this.audit.record({
      actor: principal.subject,
      action,
      requestId,
      // What changed is the target's shape; the auth settings never reach the audit trail.
      details: { slug: org.slug, target: org.targetKind, fhir_auth_kind: org.fhirAuthKind },
    });
  }
}

function notFound(slug: string): NotFoundError {
  return new NotFoundError(`Organization ${slug} not found`);
}
