import { Injectable } from '@nestjs/common';
import { AuditService } from '../../common/audit/audit.service.js';
import type { Principal } from '../../common/auth/principal.js';
import { ValidationError } from '../../common/errors/api-error.js';
import { LinkJobs } from '../../ingestors/links/link-jobs.js';
import type { EhrUser } from '../entities/ehr-user.entity.js';
import { UnlinkService } from '../link/unlink.service.js';
import { PatientAccessService } from '../patient-access.service.js';
import { EhrUserRepository, type PatientMapping } from '../repositories/ehr-user.repository.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import type { PatientMappingDto, PutPatientMappingDto } from './dto/patient-mapping.dto.js';
import { PatientResolver } from './patient-resolver.js';

/**
 * Registers and maps patients to the target's Patient (service role). A new mapping queues a sync of each of the
 * patient's active links, so syncs that waited for it (awaiting_patient) run now; forgetting one first unlinks
 * every provider. Audited without the identifier's value (it is often a medical record number).
 */
@Injectable()
export class PatientMappingService {
  constructor(
    private readonly users: EhrUserRepository,
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
    private readonly resolver: PatientResolver,
    private readonly unlinker: UnlinkService,
    private readonly jobs: LinkJobs,
    private readonly audit: AuditService,
  ) {}

  async put(
    principal: Principal,
    ehrUserId: string,
    body: PutPatientMappingDto,
    requestId: string,
  ): Promise<PatientMappingDto> {
    const mapping = await this.mappingOf(principal.organizationId, body);
    const user = await this.users.upsert(principal.organizationId, ehrUserId);
    const saved = await this.users.setMapping(user.id, mapping, new Date());
    await this.audit.record({
      actor: principal.subject,
      action: 'patient.mapped',
      ehrUserId,
      requestId,
      details: {
        by: body.identifier === undefined ? 'id' : 'identifier',
        fhir_patient_id: mapping.fhirPatientId,
        identifier_system: mapping.identifier?.system ?? null,
        jhe_patient_id: mapping.jhePatientId,
      },
    });
    const active = (await this.links.findCurrentByUser(user.id)).filter((l) => l.status === 'active');
    for (const link of active) {
      // incremental reaches back SYNC_INITIAL_LOOKBACK_DAYS for types never synced; realtime drains the
      // notifications that waited for the mapping.
      await this.jobs.requestSync(link.id, 'incremental', { requestId });
      await this.jobs.requestSync(link.id, 'realtime', { requestId });
      await this.jobs.requestDeviceSync(link.id, requestId);
    }
    return { ...toDto(saved), syncs_queued: active.length };
  }

  async get(principal: Principal, ehrUserId: string): Promise<PatientMappingDto> {
    return toDto(await this.access.visibleUser(principal, ehrUserId));
  }

  /** Unlinks every provider of the patient (each audited as link.unlinked), then forgets the mapping. */
  async forget(principal: Principal, ehrUserId: string, requestId: string): Promise<void> {
    const user = await this.access.visibleUser(principal, ehrUserId);
    const providers = (await this.links.findCurrentByUser(user.id)).map((l) => l.provider.providerType);
    for (const provider of providers) {
      await this.unlinker.unlink(principal, provider, ehrUserId, requestId);
    }
    await this.users.setMapping(user.id, undefined, new Date());
    await this.audit.record({
      actor: principal.subject,
      action: 'patient.unmapped',
      ehrUserId,
      requestId,
      details: { unlinked: providers },
    });
  }

  private async mappingOf(organizationId: string, body: PutPatientMappingDto): Promise<PatientMapping> {
    const { fhir_patient_id: id, identifier, jhe_patient_id: jhe } = body;
    if (id !== undefined && identifier !== undefined) {
      throw ValidationError.field('identifier', 'Give fhir_patient_id or identifier, not both.');
    }
    if (id === undefined && identifier === undefined && jhe === undefined) {
      throw ValidationError.field('fhir_patient_id', 'Give fhir_patient_id, identifier or jhe_patient_id.');
    }
    const resolved =
      identifier === undefined ? (id ?? null) : await this.resolver.resolve(organizationId, identifier);
    return {
      fhirPatientId: resolved,
      identifier: identifier === undefined ? null : { system: identifier.system, value: identifier.value },
      jhePatientId: jhe ?? null,
    };
  }
}

function toDto(user: EhrUser): PatientMappingDto {
  const system = user.patientIdentifierSystem;
  const value = user.patientIdentifierValue;
  return {
    ehr_user_id: user.ehrUserId,
    fhir_patient_id: user.fhirPatientId,
    identifier: system === null || value === null ? null : { system, value },
    jhe_patient_id: user.jhePatientId,
    resolved_at: user.patientResolvedAt?.toISOString() ?? null,
    status: user.patientStatus,
  };
}
