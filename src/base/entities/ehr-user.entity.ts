import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { Relation } from 'typeorm';
import { BelongsToOrganization } from '../../common/organizations/belongs-to-organization.js';
import type { Organization } from '../../common/organizations/organization.entity.js';

export const PATIENT_MAPPING_STATUSES = [
  'unmapped',
  'mapped',
  'patient_unavailable',
  'patient_replaced',
] as const;
export type PatientMappingStatus = (typeof PATIENT_MAPPING_STATUSES)[number];

/** A patient as the EHR knows them. `ehrUserId` is the EHR's own id; nothing clinical is kept here. */
@Entity({ name: 'ehr_users' })
@Unique('uq_ehr_users_organization_ehr_user_id', ['organizationId', 'ehrUserId'])
export class EhrUser {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_ehr_users' })
  id!: string;

  @BelongsToOrganization('ehr_users')
  organization?: Relation<Organization>;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId!: string;

  /** Unique within the organization only. */
  @Column({ name: 'ehr_user_id', type: 'varchar', length: 255 })
  ehrUserId!: string;

  /** Subject of the EHR's identity provider when it differs from ehrUserId (OIDC `sub`). */
  @Column({ name: 'external_subject', type: 'varchar', length: 255, nullable: true })
  externalSubject!: string | null;

  /** Logical id of the Patient resource at the FHIR server, when it differs from ehrUserId. */
  @Column({ name: 'fhir_patient_id', type: 'varchar', length: 64, nullable: true })
  fhirPatientId!: string | null;

  /** Patient id at a JupyterHealth Exchange target (FHIR_TARGET=jhe), when the EHR's id differs. */
  @Column({ name: 'jhe_patient_id', type: 'varchar', length: 64, nullable: true })
  jhePatientId!: string | null;

  /** The business identifier fhirPatientId was resolved from; kept to resolve it again when the id goes away. */
  @Column({ name: 'patient_identifier_system', type: 'varchar', length: 1024, nullable: true })
  patientIdentifierSystem!: string | null;

  @Column({ name: 'patient_identifier_value', type: 'varchar', length: 1024, nullable: true })
  patientIdentifierValue!: string | null;

  /** When the mapping was last set or resolved at the target. */
  @Column({ name: 'patient_resolved_at', type: 'timestamptz', nullable: true })
  patientResolvedAt!: Date | null;

  @Column({ name: 'patient_status', type: 'varchar', length: 24, default: 'unmapped' })
  patientStatus!: PatientMappingStatus;

  /** Why the Patient is unavailable (a sync error code), when patientStatus says so. */
  @Column({ name: 'patient_status_reason', type: 'varchar', length: 64, nullable: true })
  patientStatusReason!: string | null;

  /** The Patient the mapped one was merged into (its `replaced-by` link), when patientStatus is patient_replaced. */
  @Column({ name: 'patient_replaced_by', type: 'varchar', length: 64, nullable: true })
  patientReplacedBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
