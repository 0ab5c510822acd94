import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { Relation } from 'typeorm';
import { BelongsToOrganization } from '../../../common/organizations/belongs-to-organization.js';
import type { Organization } from '../../../common/organizations/organization.entity.js';
import { Provider } from '../../entities/provider.entity.js';

/**
 * A consent the provider granted that no patient owns yet: the callback parks the grant here and hands the
 * browser a one-time confirmation code, whose SHA-256 is the only trace of it we keep. The clinical app redeems the
 * code with a credential of the same patient; until then (or after a mismatch) nothing is linked.
 */
@Entity({ name: 'pending_links' })
@Index('ix_pending_links_expires_at', ['expiresAt'])
export class PendingLink {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_pending_links' })
  id!: string;

  /** Hex SHA-256 of the confirmation code; the code itself only ever travels to the browser. */
  @Index('uq_pending_links_code_hash', { unique: true })
  @Column({ name: 'code_hash', type: 'char', length: 64 })
  codeHash!: string;

  @BelongsToOrganization('pending_links')
  organization?: Relation<Organization>;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId!: string;

  @Column({ name: 'ehr_user_id', type: 'varchar', length: 255 })
  ehrUserId!: string;

  @ManyToOne(() => Provider, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'fk_pending_links_provider' })
  provider!: Relation<Provider>;

  @Column({ name: 'provider_id', type: 'integer' })
  providerId!: number;

  @Column({ name: 'external_user_id', type: 'varchar', length: 255 })
  externalUserId!: string;

  @Column({ name: 'legacy_user_id', type: 'varchar', length: 64, nullable: true })
  legacyUserId!: string | null;

  /** Sealed by TokenCipher with AAD `pending_links:<id>:<column>`. */
  @Column({ name: 'access_token_enc', type: 'text' })
  accessTokenEnc!: string;

  @Column({ name: 'refresh_token_enc', type: 'text' })
  refreshTokenEnc!: string;

  @Column({ name: 'token_key_id', type: 'varchar', length: 32 })
  tokenKeyId!: string;

  @Column({ name: 'token_issued_at', type: 'timestamptz' })
  tokenIssuedAt!: Date;

  @Column({ name: 'token_expires_in_s', type: 'integer' })
  tokenExpiresInS!: number;

  @Column({ name: 'granted_scopes', type: 'text', array: true, default: () => "'{}'" })
  grantedScopes!: string[];

  /** Subject of the principal that started the flow, for the audit trail. */
  @Column({ type: 'varchar', length: 255 })
  actor!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
