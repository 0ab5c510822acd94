import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** A patient as the EHR knows them. `ehrUserId` is the EHR's own id; nothing clinical is kept here. */
@Entity({ name: 'ehr_users' })
@Unique('uq_ehr_users_ehr_user_id', ['ehrUserId'])
export class EhrUser {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_ehr_users' })
  id!: string;

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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
