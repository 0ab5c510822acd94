import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TimeWindow } from '../../common/domain/notification.js';

/** A data type's records a JupyterHealth Exchange refused in one sync, and why. */
export interface RejectedInSync {
  readonly records: number;
  /** consent_missing or jhe_rejected; null when none were refused. */
  readonly reason: string | null;
  /** The span the sync fetched for the type. */
  readonly window: TimeWindow;
}

/**
 * Keeps the refused-records bookkeeping of sync_states (rejected_*): counts, a reason and the window, no values.
 * A sync whose window covers the stored refused window replaces it (a re-sync: what it refused now is all that is
 * left); a sync of another window adds to it. A state with refused records left is partially_rejected.
 */
@Injectable()
export class RejectedRecordsRepository {
  constructor(private readonly ds: DataSource) {}

  /** After markSucceeded, in the same sync. Skips the write when there is nothing refused, before or now. */
  async record(linkId: number, type: string, r: RejectedInSync): Promise<void> {
    await this.ds.query(
      `UPDATE sync_states s SET
              rejected_records = NULLIF(n.records, 0),
              rejected_reason = CASE WHEN n.records > 0 THEN n.reason END,
              rejected_window_start = CASE WHEN n.records > 0 THEN n.ws END,
              rejected_window_end = CASE WHEN n.records > 0 THEN n.we END,
              status = CASE WHEN n.records > 0 THEN 'partially_rejected' ELSE s.status END,
              last_error = CASE WHEN n.records > 0 THEN COALESCE(s.last_error, n.reason) ELSE s.last_error END
         FROM (SELECT o.id,
                      CASE WHEN c.covers THEN $3::int ELSE COALESCE(o.rejected_records, 0) + $3::int END AS records,
                      CASE WHEN $3::int > 0 THEN $4::varchar ELSE o.rejected_reason END AS reason,
                      CASE WHEN c.covers THEN $5::timestamptz WHEN $3::int > 0
                           THEN LEAST(o.rejected_window_start, $5::timestamptz) ELSE o.rejected_window_start END AS ws,
                      CASE WHEN c.covers THEN $6::timestamptz WHEN $3::int > 0
                           THEN GREATEST(o.rejected_window_end, $6::timestamptz) ELSE o.rejected_window_end END AS we
                 FROM sync_states o,
                      LATERAL (SELECT o.rejected_window_start IS NULL OR (o.rejected_window_start >= $5::timestamptz
                                      AND o.rejected_window_end <= $6::timestamptz) AS covers) c
                WHERE o.link_id = $1 AND o.data_type = $2
                  AND ($3::int > 0 OR o.rejected_records IS NOT NULL)) n
        WHERE s.id = n.id`,
      [linkId, type, r.records, r.reason, r.window.start, r.window.end],
    );
  }
}
