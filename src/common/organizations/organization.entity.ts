import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** The organization every deployment has; its target is the one the environment configures (FHIR_* settings). */
export const DEFAULT_ORGANIZATION_ID = '00000000-0000-4000-8000-000000000001';
export const DEFAULT_ORGANIZATION_SLUG = 'default';

export const TARGET_KINDS = ['fhir', 'jhe'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const FHIR_AUTH_KINDS = ['none', 'static_header', 'client_credentials', 'smart_backend'] as const;
export type FhirAuthKind = (typeof FHIR_AUTH_KINDS)[number];

/**
 * A tenant: it owns its patients (ehr_users), its API keys and its publishing target. Per-organization policy
 * columns join this row later. The target's auth settings (header value, client secret, private key…) are one
 * JSON document sealed with the TOKEN_KEYS ring, AAD `organizations:<id>:fhir_auth`.
 */
@Entity({ name: 'organizations' })
@Unique('uq_organizations_slug', ['slug'])
export class Organization {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_organizations' })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  slug!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ name: 'target_kind', type: 'varchar', length: 8, default: 'fhir' })
  targetKind!: TargetKind;

  @Column({ name: 'fhir_base_url', type: 'varchar', length: 2048, nullable: true })
  fhirBaseUrl!: string | null;

  @Column({ name: 'fhir_auth_kind', type: 'varchar', length: 24, default: 'none' })
  fhirAuthKind!: FhirAuthKind;

  @Column({ name: 'fhir_auth_enc', type: 'text', nullable: true })
  fhirAuthEnc!: string | null;

  /** The TOKEN_KEYS key fhirAuthEnc is sealed with. */
  @Column({ name: 'fhir_auth_key_id', type: 'varchar', length: 32, nullable: true })
  fhirAuthKeyId!: string | null;

  @Column({ name: 'jhe_base_url', type: 'varchar', length: 2048, nullable: true })
  jheBaseUrl!: string | null;

  @Column({ name: 'jhe_data_source_id', type: 'varchar', length: 64, nullable: true })
  jheDataSourceId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
