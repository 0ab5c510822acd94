import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { EhrUser } from '../entities/ehr-user.entity.js';

/** A patient's mapping to the target's Patient, as PUT /api/base/patients/{ehr_user_id}/ sets it. */
export interface PatientMapping {
  readonly fhirPatientId: string | null;
  readonly identifier: { readonly system: string; readonly value: string } | null;
  readonly jhePatientId: string | null;
}

const UNMAPPED: PatientMapping = { fhirPatientId: null, identifier: null, jhePatientId: null };

@Injectable()
export class EhrUserRepository {
  constructor(@InjectRepository(EhrUser) private readonly repo: Repository<EhrUser>) {}

  /** The organization's user with this EHR id; another organization's user with the same id is not it. */
  findByEhrUserId(organizationId: string, ehrUserId: string): Promise<EhrUser | null> {
    return this.repo.findOne({ where: { organizationId, ehrUserId } });
  }

  /** Returns the user, creating it on first sight; safe under concurrent calls for the same id. */
  async upsert(organizationId: string, ehrUserId: string): Promise<EhrUser> {
    await this.repo.createQueryBuilder().insert().values({ organizationId, ehrUserId }).orIgnore().execute();
    return this.repo.findOneOrFail({ where: { organizationId, ehrUserId } });
  }

  /**
   * Replaces the user's mapping and clears what syncs found about the previous one (unavailable, replaced), so
   * the next sync checks the new Patient. `undefined` forgets the mapping.
   */
  async setMapping(userId: string, mapping: PatientMapping | undefined, at: Date): Promise<EhrUser> {
    const m = mapping ?? UNMAPPED;
    await this.repo.update(userId, {
      fhirPatientId: m.fhirPatientId,
      patientIdentifierSystem: m.identifier?.system ?? null,
      patientIdentifierValue: m.identifier?.value ?? null,
      jhePatientId: m.jhePatientId,
      patientResolvedAt: mapping === undefined ? null : at,
      patientStatus: mapping === undefined ? 'unmapped' : 'mapped',
      patientStatusReason: null,
      patientReplacedBy: null,
    });
    return this.repo.findOneOrFail({ where: { id: userId } });
  }
}
