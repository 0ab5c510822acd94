import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { AggregationLevel } from '../../common/domain/records.js';
import { EhrUser } from './ehr-user.entity.js';
import { Provider } from './provider.entity.js';

export const LINK_STATUSES = ['active', 'needs_reauth', 'revoked'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

/** One EHR user's connection to one provider account. */
@Entity({ name: 'provider_links' })
@Check('ck_provider_links_aggregation', `"aggregation_level" IN ('INDIVIDUAL', 'HOURLY')`)
@Unique('uq_provider_links_provider_user', ['provider', 'user'])
@Unique('uq_provider_links_provider_external', ['provider', 'externalUserId'])
// Legacy Fitbit notifications name the account by its legacy id; webhook acceptance resolves it per request.
@Index('ix_provider_links_provider_legacy', ['provider', 'legacyUserId'], {
  where: '"legacy_user_id" IS NOT NULL',
})
export class ProviderLink {
  @PrimaryGeneratedColumn({ type: 'integer', primaryKeyConstraintName: 'pk_provider_links' })
  id!: number;

  @Index('ix_provider_links_user')
  @ManyToOne(() => EhrUser, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_provider_links_user' })
  user!: Relation<EhrUser>;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => Provider, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'fk_provider_links_provider' })
  provider!: Relation<Provider>;

  @Column({ name: 'provider_id', type: 'integer' })
  providerId!: number;

  @Column({ name: 'external_user_id', type: 'varchar', length: 255 })
  externalUserId!: string;

  @Column({ type: 'varchar', length: 32, default: 'active' })
  status!: LinkStatus;

  /** INDIVIDUAL: one Observation per measurement; HOURLY: one per metric per UTC hour. */
  @Column({ name: 'aggregation_level', type: 'varchar', length: 16, default: 'INDIVIDUAL' })
  aggregationLevel!: AggregationLevel;

  /** Provider identity extras: Google's legacy Fitbit user id (empty for accounts that never had Fitbit). */
  @Column({ name: 'legacy_user_id', type: 'varchar', length: 64, nullable: true })
  legacyUserId!: string | null;

  /** Sealed by TokenCipher (AES-256-GCM, AAD `provider_links:<id>:access_token`); null once revoked. */
  @Column({ name: 'access_token_enc', type: 'text', nullable: true })
  accessTokenEnc!: string | null;

  @Column({ name: 'refresh_token_enc', type: 'text', nullable: true })
  refreshTokenEnc!: string | null;

  /** TOKEN_KEYS key id both token columns are sealed under. */
  @Column({ name: 'token_key_id', type: 'varchar', length: 32, nullable: true })
  tokenKeyId!: string | null;

  @Column({ name: 'token_expires_at', type: 'timestamptz', nullable: true })
  tokenExpiresAt!: Date | null;

  /** When the current access token was issued; with the expiry it places the refresh-ahead point. */
  @Column({ name: 'token_issued_at', type: 'timestamptz', nullable: true })
  tokenIssuedAt!: Date | null;

  @Column({ name: 'granted_scopes', type: 'text', array: true, default: () => "'{}'" })
  grantedScopes!: string[];

  @Column({ name: 'linked_at', type: 'timestamptz', default: () => 'now()' })
  linkedAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
