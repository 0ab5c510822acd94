import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import {
  DEFAULT_ORGANIZATION_ID,
  type Organization,
} from '../../common/organizations/organization.entity.js';
import { OrganizationRepository } from '../../common/organizations/organization.repository.js';
import { OrganizationSecrets } from '../../common/organizations/organization-secrets.js';
import { CircuitBreakerRegistry } from '../../common/resilience/circuit-breaker.registry.js';
import { AppConfig, type FhirConfig } from '../../config/app-config.js';
import { createFhirAuth } from '../auth/fhir-auth.factory.js';
import { FhirConfigurationError } from '../fhir-errors.js';
import { FHIR_METRIC, type FhirOperationLabels } from '../fhir-metrics.js';
import { FhirClient } from '../fhir.client.js';
import { FhirPublisher } from '../fhir-publisher.service.js';
import { JhePublisher } from '../jhe/jhe-publisher.service.js';
import { PatientDirectory } from '../patient-directory.js';
import { RecordPublisher } from '../record-publisher.service.js';
import { organizationTarget } from './organization-target.js';

/** One organization's way to its target: its own client, token cache and circuit breaker. */
export interface OrganizationPublishers {
  readonly target: FhirConfig;
  readonly records: RecordPublisher;
  readonly directory: PatientDirectory;
}

interface Built {
  /** The row's updated_at when these were built: a newer row (changed by any process) rebuilds them. */
  readonly version: number;
  readonly publishers: OrganizationPublishers;
}

/**
 * The publishers of each organization, built on first use. The default organization's are the app's own, bound
 * to the environment's FHIR settings, so a deployment without other organizations works exactly as before. Any
 * other organization gets a FhirClient with its own auth (and token cache) and publishers whose breakers are named
 * after it: one hospital's outage opens its own breaker and never delays another's data. A changed organization
 * (PATCH here, or in another process: its updated_at moved) is rebuilt at its next use.
 */
@Injectable()
export class OrganizationPublisherRegistry {
  private readonly logger = new Logger('OrganizationPublishers');
  private readonly built = new Map<string, Built>();
  private readonly defaults: OrganizationPublishers;

  constructor(
    private readonly config: AppConfig,
    private readonly organizations: OrganizationRepository,
    private readonly secrets: OrganizationSecrets,
    private readonly breakers: CircuitBreakerRegistry,
    @InjectMetric(FHIR_METRIC.operations) private readonly operations: Counter<FhirOperationLabels>,
    @InjectMetric(FHIR_METRIC.responseTime) private readonly responseTime: Histogram<'operation'>,
    records: RecordPublisher,
    directory: PatientDirectory,
  ) {
    this.defaults = { target: config.fhir, records, directory };
  }

  /** The publishers for the organization's target; throws FhirConfigurationError for an unknown organization. */
  async for(organizationId: string): Promise<OrganizationPublishers> {
    if (organizationId === DEFAULT_ORGANIZATION_ID) {
      return this.defaults;
    }
    const org = await this.organizations.findById(organizationId);
    if (org === null) {
      throw new FhirConfigurationError(`organization ${organizationId} does not exist`);
    }
    const version = org.updatedAt.getTime();
    const cached = this.built.get(organizationId);
    if (cached?.version === version) {
      return cached.publishers;
    }
    const publishers = this.build(org);
    this.built.set(organizationId, { version, publishers });
    return publishers;
  }

  /** Drops what was built for the organization (its settings changed or it was deleted). */
  invalidate(organizationId: string): void {
    this.built.delete(organizationId);
  }

  private build(org: Organization): OrganizationPublishers {
    const auth = org.fhirAuthEnc === null ? undefined : this.secrets.open(org.id, org.fhirAuthEnc);
    const target = organizationTarget(this.config.fhir, org, auth);
    const config = AppConfig.from({ ...this.config, fhir: target });
    const client = new FhirClient(config, createFhirAuth(target));
    const breakers = this.breakers.scoped(`org:${org.slug}`);
    const fhir = new FhirPublisher(config, client, breakers, this.operations, this.responseTime);
    const jhe = new JhePublisher(config, client, breakers, this.operations, this.responseTime);
    this.logger.log(`Publishers for organization ${org.slug} built (${target.target})`);
    return {
      target,
      records: new RecordPublisher(config, fhir, jhe, client),
      directory: new PatientDirectory(client),
    };
  }
}
