import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { Relation } from 'typeorm';
import { BelongsToOrganization } from '../organizations/belongs-to-organization.js';
import type { Organization } from '../organizations/organization.entity.js';

/** `platform`: a service key that may also manage organizations. */
export const API_KEY_ROLES = ['service', 'patient', 'platform'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/**
 * An API client credential. Only the SHA-256 of the key is stored: keys are 256-bit random strings, so a fast
 * hash is enough and keeps verification O(1) with an index lookup.
 */
@Entity({ name: 'api_keys' })
@Unique('uq_api_keys_key_hash', ['keyHash'])
export class ApiKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_api_keys' })
  id!: string;

  @BelongsToOrganization('api_keys')
  organization?: Relation<Organization>;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: ApiKeyRole;

  /** For patient keys: the only ehr_user_id the key may act for. */
  @Column({ name: 'ehr_user_id', type: 'varchar', length: 255, nullable: true })
  ehrUserId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
