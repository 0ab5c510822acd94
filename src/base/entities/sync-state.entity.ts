import {
  Column,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { ProviderLink } from './provider-link.entity.js';

/**
 * The patient states say why a type did not sync: no usable Patient reference yet (awaiting_patient), or the
 * target's Patient is gone (patient_unavailable) or replaced by another (patient_replaced). None is retried until
 * the patient's mapping changes. partially_rejected: the sync completed, but a JupyterHealth Exchange refused some
 * of the type's records (rejected_* columns); a re-sync on request fetches their window again.
 */
export const SYNC_STATUSES = [
  'pending',
  'running',
  'completed',
  'failed',
  'awaiting_patient',
  'patient_unavailable',
  'patient_replaced',
  'partially_rejected',
] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** Bookkeeping of the last sync of one data type for one link: counts and times, never values. */
@Entity({ name: 'sync_states' })
@Unique('uq_sync_states_link_type', ['link', 'dataType'])
export class SyncState {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_sync_states' })
  id!: string;

  @ManyToOne(() => ProviderLink, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'link_id', foreignKeyConstraintName: 'fk_sync_states_link' })
  link!: Relation<ProviderLink>;

  @Column({ name: 'link_id', type: 'integer' })
  linkId!: number;

  @Column({ name: 'data_type', type: 'varchar', length: 64 })
  dataType!: string;

  @Column({ type: 'varchar', length: 32, default: 'pending' })
  status!: SyncStatus;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt!: Date | null;

  /** End of the window scheduled syncs have covered; the next incremental sync starts here (minus overlap). */
  @Column({ name: 'synced_through', type: 'timestamptz', nullable: true })
  syncedThrough!: Date | null;

  /** Records delivered by the last successful sync of this data type. */
  @Column({ name: 'records_synced', type: 'integer', default: 0 })
  recordsSynced!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /**
   * Progress of the window a sync of this type is working through (resumable backfills): the window's start and
   * the end of its last published chunk. Null when no sync is part-way through a window.
   */
  @Column({ name: 'backfill_start', type: 'timestamptz', nullable: true })
  backfillStart!: Date | null;

  @Column({ name: 'backfill_done_through', type: 'timestamptz', nullable: true })
  backfillDoneThrough!: Date | null;

  @Column({ name: 'backfill_chunks_done', type: 'integer', nullable: true })
  backfillChunksDone!: number | null;

  @Column({ name: 'backfill_chunks_total', type: 'integer', nullable: true })
  backfillChunksTotal!: number | null;

  /** Records the window's jobs published so far: records_synced of the window once it completes. */
  @Column({ name: 'backfill_records', type: 'integer', nullable: true })
  backfillRecords!: number | null;

  @Column({ name: 'backfill_saved_at', type: 'timestamptz', nullable: true })
  backfillSavedAt!: Date | null;

  /** Records a JupyterHealth Exchange refused and not yet published; null when there are none. */
  @Column({ name: 'rejected_records', type: 'integer', nullable: true })
  rejectedRecords!: number | null;

  /** Why: consent_missing (403) or jhe_rejected. */
  @Column({ name: 'rejected_reason', type: 'varchar', length: 32, nullable: true })
  rejectedReason!: string | null;

  /** The window the refused records were fetched in: what a re-sync fetches again. */
  @Column({ name: 'rejected_window_start', type: 'timestamptz', nullable: true })
  rejectedWindowStart!: Date | null;

  @Column({ name: 'rejected_window_end', type: 'timestamptz', nullable: true })
  rejectedWindowEnd!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
