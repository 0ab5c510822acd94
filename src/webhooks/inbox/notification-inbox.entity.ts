import type { NotificationPayload } from '../../common/domain/notification.js';
import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const INBOX_STATUSES = ['received', 'queued', 'routed', 'done', 'dropped', 'failed'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

/**
 * Non-health fields of a provider notification: ids, time bounds and the change kind. A notification is only a
 * hint to re-fetch, so nothing here is a measurement.
 */
export type InboxPayload = NotificationPayload;

/**
 * The durable inbox: every accepted notification is committed here (insert-or-ignore on provider + dedup key +
 * dedup round) before it is queued, so a lost Redis job can be re-queued from Postgres. link_id has no foreign key
 * so the row outlives an unlinked account. Finished rows are purged after INBOX_RETENTION_DAYS.
 */
@Entity({ name: 'notification_inbox' })
@Unique('uq_notification_inbox_provider_dedup_round', ['provider', 'dedupKey', 'dedupRound'])
@Index('ix_notification_inbox_status_received', ['status', 'receivedAt'])
@Index('ix_notification_inbox_link_routed', ['linkId'], { where: `"status" = 'routed'` })
@Index('ix_notification_inbox_failed', ['failedAt', 'id'], { where: `"status" = 'failed'` })
@Index('ix_notification_inbox_unfinished', ['receivedAt', 'id'], {
  where: `"status" IN ('received', 'queued')`,
})
@Check(
  'ck_notification_inbox_status',
  `"status" IN ('received', 'queued', 'routed', 'done', 'dropped', 'failed')`,
)
export class NotificationInbox {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_notification_inbox' })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  provider!: string;

  /** Hex sha256 of the provider's identifying fields (Withings: userid, appli, startdate, enddate, action, date, deviceid). */
  @Column({ name: 'dedup_key', type: 'varchar', length: 64 })
  dedupKey!: string;

  /**
   * 0 for the first row of a key; a repeat received after the previous round's dedup window (received_at +
   * INBOX_DEDUP_WINDOW_HOURS) gets the next one, so concurrent repeats meet on the unique key and only one is kept.
   */
  @Column({ name: 'dedup_round', type: 'integer', default: 0 })
  dedupRound!: number;

  @Column({ name: 'link_id', type: 'integer', nullable: true })
  linkId!: number | null;

  @Column({ type: 'jsonb' })
  payload!: InboxPayload;

  @Column({ type: 'varchar', length: 16, default: 'received' })
  status!: InboxStatus;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ name: 'queued_at', type: 'timestamptz', nullable: true })
  queuedAt!: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** Set when routed: the data types the notification asks for (our names, not the provider's). */
  @Column({ name: 'data_types', type: 'varchar', array: true, nullable: true })
  dataTypes!: string[] | null;

  /** Set when routed: the provider's window, before the sync widens it. */
  @Column({ name: 'window_start', type: 'timestamptz', nullable: true })
  windowStart!: Date | null;

  @Column({ name: 'window_end', type: 'timestamptz', nullable: true })
  windowEnd!: Date | null;

  @Column({ name: 'routed_at', type: 'timestamptz', nullable: true })
  routedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /** Set when failed: a short code (provider_rejected, error:TypeError…), never a message that may name hosts. */
  @Column({ name: 'failure_reason', type: 'varchar', length: 64, nullable: true })
  failureReason!: string | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt!: Date | null;
}
