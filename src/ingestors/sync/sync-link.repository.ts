import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isDataType, type DataType } from '../../common/domain/data-type.js';
import type { TimeWindow } from '../../common/domain/notification.js';
import type { AggregationLevel, PatientRef } from '../../common/domain/records.js';
import type { PatientMappingStatus } from '../../base/entities/ehr-user.entity.js';
import type { PatientIdentifier } from '../../publishers/patient-directory.js';
import type { BackfillCursor } from './backfill-plan.js';
import type { RoutedWindow } from './sync-plan.js';

/** What a sync needs to know about its link. */
export interface SyncLink {
  readonly id: number;
  /** The patient's organization: its target is where the link's data goes. */
  readonly organizationId: string;
  readonly provider: string;
  readonly status: string;
  readonly externalUserId: string;
  readonly aggregation: AggregationLevel;
  /** The reference publishing uses; a sync uses it once PatientGate admitted (and maybe re-resolved) it. */
  readonly patient: PatientRef;
  readonly jhePatientId: string | null;
  readonly linkedAt: Date;
  readonly mapping: SyncPatientMapping;
}

/** The patient's mapping as PUT /api/base/patients/{ehr_user_id}/ left it (ehr_users). */
export interface SyncPatientMapping {
  readonly fhirPatientId: string | null;
  readonly identifier: PatientIdentifier | null;
  readonly status: PatientMappingStatus;
}

/** The sync states a patient problem leaves a data type in (never retried until the mapping changes). */
export type PatientSyncState = 'awaiting_patient' | 'patient_unavailable' | 'patient_replaced';

export interface RoutedRow extends RoutedWindow {
  readonly id: string;
}

interface LinkRow {
  id: number;
  organization_id: string;
  provider: string;
  status: string;
  external_user_id: string;
  aggregation_level: AggregationLevel;
  ehr_user_id: string;
  fhir_patient_id: string | null;
  jhe_patient_id: string | null;
  patient_identifier_system: string | null;
  patient_identifier_value: string | null;
  patient_status: PatientMappingStatus;
  linked_at: Date;
}

/** Reads links and writes sync bookkeeping (sync_states): counts, times and errors, never values. */
@Injectable()
export class SyncLinkRepository {
  constructor(private readonly ds: DataSource) {}

  async find(linkId: number): Promise<SyncLink | undefined> {
    const rows = await this.ds.query<LinkRow[]>(
      `SELECT l.id, p.provider_type AS provider, l.status, l.external_user_id, l.aggregation_level,
              u.organization_id, u.ehr_user_id, u.fhir_patient_id, u.jhe_patient_id, u.patient_identifier_system,
              u.patient_identifier_value, u.patient_status, l.linked_at
         FROM provider_links l JOIN providers p ON p.id = l.provider_id JOIN ehr_users u ON u.id = l.user_id
        WHERE l.id = $1`,
      [linkId],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          id: row.id,
          organizationId: row.organization_id,
          provider: row.provider,
          status: row.status,
          externalUserId: row.external_user_id,
          aggregation: row.aggregation_level,
          // The Patient's id at the FHIR server is the EHR's user id unless the EHR told us otherwise.
          patient: { ehrUserId: row.ehr_user_id, fhirPatientId: row.fhir_patient_id ?? row.ehr_user_id },
          jhePatientId: row.jhe_patient_id,
          linkedAt: row.linked_at,
          mapping: {
            fhirPatientId: row.fhir_patient_id,
            identifier:
              row.patient_identifier_system === null || row.patient_identifier_value === null
                ? null
                : { system: row.patient_identifier_system, value: row.patient_identifier_value },
            status: row.patient_status,
          },
        };
  }

  /** Active link ids after `afterId`, in id order (keyset pagination for the schedule fan-out). */
  async activeLinkIds(afterId: number, limit: number): Promise<number[]> {
    const rows = await this.ds.query<{ id: number }[]>(
      `SELECT id FROM provider_links WHERE status = 'active' AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => r.id);
  }

  async syncedThrough(linkId: number): Promise<Map<string, Date>> {
    const rows = await this.ds.query<{ data_type: string; synced_through: Date | null }[]>(
      `SELECT data_type, synced_through FROM sync_states WHERE link_id = $1`,
      [linkId],
    );
    return new Map(rows.flatMap((r) => (r.synced_through === null ? [] : [[r.data_type, r.synced_through]])));
  }

  /** Per data type, the saved progress of the window its sync is part-way through. */
  async backfillCursors(linkId: number): Promise<Map<string, BackfillCursor>> {
    const rows = await this.ds.query<
      { data_type: string; backfill_start: Date; backfill_done_through: Date; backfill_saved_at: Date }[]
    >(
      `SELECT data_type, backfill_start, backfill_done_through, backfill_saved_at FROM sync_states
        WHERE link_id = $1 AND backfill_start IS NOT NULL AND backfill_done_through IS NOT NULL
          AND backfill_saved_at IS NOT NULL`,
      [linkId],
    );
    return new Map(
      rows.map((r) => [
        r.data_type,
        { windowStart: r.backfill_start, doneThrough: r.backfill_done_through, savedAt: r.backfill_saved_at },
      ]),
    );
  }

  /**
   * One more chunk of a window published, with its records per type (same order as `types`), summed over the
   * window's jobs for the records_synced of its completion. Within one window the cursor only moves forward: a sync
   * that lost its lease may still save a chunk it published, which must not take its successor's progress back.
   */
  async saveBackfill(
    linkId: number,
    types: readonly string[],
    p: { windowStart: Date; doneThrough: Date; chunksDone: number; chunksTotal: number; records: number[] },
  ): Promise<void> {
    await this.ds.query(
      `UPDATE sync_states s SET
              backfill_done_through = CASE WHEN s.backfill_start = $3
                THEN GREATEST(s.backfill_done_through, $4) ELSE $4 END,
              backfill_chunks_done = CASE WHEN s.backfill_start = $3
                THEN GREATEST(s.backfill_chunks_done, $5) ELSE $5 END,
              backfill_records = CASE WHEN s.backfill_start = $3
                THEN COALESCE(s.backfill_records, 0) + r.n ELSE r.n END,
              backfill_start = $3, backfill_chunks_total = $6, backfill_saved_at = now()
         FROM unnest($2::varchar[], $7::int[]) AS r(t, n)
        WHERE s.link_id = $1 AND s.data_type = r.t`,
      [linkId, types, p.windowStart, p.doneThrough, p.chunksDone, p.chunksTotal, p.records],
    );
  }

  async markRunning(linkId: number, types: readonly string[], at: Date): Promise<void> {
    await this.ds.query(
      `INSERT INTO sync_states (link_id, data_type, status, last_attempt_at)
       SELECT $1, t, 'running', $3 FROM unnest($2::varchar[]) AS t
       ON CONFLICT ON CONSTRAINT uq_sync_states_link_type
       DO UPDATE SET status = 'running', last_attempt_at = $3, updated_at = now()`,
      [linkId, types, at],
    );
  }

  /**
   * One data type synced: status completed, the count, and (for scheduled syncs) the covered end, which only ever
   * moves forward; backfill progress within the fetched window is cleared. `error` keeps a code of what was skipped for good (fhir_rejected) although the sync completed.
   */
  async markSucceeded(
    linkId: number,
    type: string,
    result: {
      at: Date;
      records: number;
      coveredThrough: Date | null;
      error?: string | null;
      /** The span this sync fetched for the type: the backfill progress it covers is done. */
      window: TimeWindow;
    },
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO sync_states (link_id, data_type, status, last_attempt_at, last_success_at, records_synced,
                                synced_through, last_error)
       VALUES ($1, $2, 'completed', $3, $3, $4, $5, $6)
       ON CONFLICT ON CONSTRAINT uq_sync_states_link_type
       DO UPDATE SET status = 'completed', last_success_at = $3, last_error = $6,
                     records_synced = CASE
                       WHEN sync_states.backfill_start >= $7 AND sync_states.backfill_done_through <= $8
                       THEN GREATEST(sync_states.backfill_records, $4) ELSE $4 END,
                     synced_through = GREATEST(sync_states.synced_through, EXCLUDED.synced_through),
                     updated_at = now()`,
      [
        linkId,
        type,
        result.at,
        result.records,
        result.coveredThrough,
        result.error ?? null,
        result.window.start,
        result.window.end,
      ],
    );
    // Only progress this sync covered: a realtime sync of the last hour completing while a 30-day backfill of the
    // type is part-way must leave the backfill's cursor alone, or every notification would restart it.
    await this.ds.query(
      `UPDATE sync_states SET backfill_start = NULL, backfill_done_through = NULL, backfill_chunks_done = NULL,
                              backfill_chunks_total = NULL, backfill_saved_at = NULL, backfill_records = NULL
        WHERE link_id = $1 AND data_type = $2 AND backfill_start >= $3 AND backfill_done_through <= $4`,
      [linkId, type, result.window.start, result.window.end],
    );
  }

  /**
   * `error` is a short description (error class and status), never a provider body. No types: every type of
   * the link (a link that cannot be used fails them all).
   */
  async markFailed(linkId: number, types: readonly string[], error: string): Promise<void> {
    await this.ds.query(
      `UPDATE sync_states SET status = 'failed', last_error = $3, updated_at = now()
        WHERE link_id = $1 AND (cardinality($2::varchar[]) = 0 OR data_type = ANY($2::varchar[]))`,
      [linkId, types, error.slice(0, 500)],
    );
  }

  /** The types did not sync for a patient reason (`state`, also kept as the error code); nothing was fetched. */
  async markPatientState(linkId: number, types: readonly string[], state: PatientSyncState): Promise<void> {
    await this.ds.query(
      `INSERT INTO sync_states (link_id, data_type, status, last_attempt_at, last_error)
       SELECT $1, t, $3::varchar, now(), $3::varchar FROM unnest($2::varchar[]) AS t
       ON CONFLICT ON CONSTRAINT uq_sync_states_link_type
       DO UPDATE SET status = $3::varchar, last_attempt_at = now(), last_error = $3::varchar, updated_at = now()`,
      [linkId, types, state],
    );
  }

  /** The link's notifications waiting for a realtime sync. */
  async routedRows(linkId: number): Promise<RoutedRow[]> {
    const rows = await this.ds.query<
      { id: string; data_types: string[]; window_start: Date; window_end: Date }[]
    >(
      `SELECT id, data_types, window_start, window_end FROM notification_inbox
        WHERE link_id = $1 AND status = 'routed' ORDER BY window_start LIMIT 1000`,
      [linkId],
    );
    return rows.map((r) => ({
      id: r.id,
      dataTypes: r.data_types.filter((t): t is DataType => isDataType(t)),
      window: { start: r.window_start, end: r.window_end },
    }));
  }

  async finishRouted(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) {
      await this.ds.query(
        `UPDATE notification_inbox SET status = 'done', finished_at = now()
          WHERE id = ANY($1::uuid[]) AND status = 'routed'`,
        [ids],
      );
    }
  }
}
