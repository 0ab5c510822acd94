import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Who did what to which link, and when. Identifiers only, never health data or tokens; link_id has no foreign key
 * so the trail outlives the link. Purged after AUDIT_RETENTION_DAYS (by `at`).
 */
@Entity({ name: 'audit_events' })
@Index('ix_audit_events_ehr_user_id', ['ehrUserId', 'at'])
@Index('ix_audit_events_at', ['at'])
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_audit_events' })
  id!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  /** Principal subject (`service:<key id>`, `jwt:<sub>`), `provider` for provider-initiated events, or `system`. */
  @Column({ type: 'varchar', length: 255 })
  actor!: string;

  /** e.g. link.created, link.moved, link.unlinked, link.needs_reauth, tokens.reencrypted. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'ehr_user_id', type: 'varchar', length: 255, nullable: true })
  ehrUserId!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  provider!: string | null;

  @Column({ name: 'link_id', type: 'integer', nullable: true })
  linkId!: number | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;

  /** Non-PHI specifics, e.g. the previous ehr_user_id of a moved link or whether revocation reached the provider. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  details!: Record<string, unknown>;
}
