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

  @Column({ name: 'linked_at', type: 'timestamptz', default: () => 'now()' })
  linkedAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
