import { SYNC_ERRORS } from '../../ingestors/sync/sync-errors.js';
import { describe, expect, it } from 'vitest';
import { SyncState } from '../entities/sync-state.entity.js';
import { summarize } from './sync-status.service.js';

const T1 = new Date('2026-11-20T06:00:00.000Z');
const T2 = new Date('2026-11-22T10:30:00.000Z');
const T3 = new Date('2026-11-21T08:15:00.000Z');

function state(values: Partial<SyncState>): SyncState {
  return Object.assign(new SyncState(), {
    linkId: 1,
    dataType: 'heart_rate',
    status: 'completed',
    lastAttemptAt: null,
    lastSuccessAt: null,
    recordsSynced: 0,
    lastError: null,
    backfillChunksDone: null,
    backfillChunksTotal: null,
    rejectedRecords: null,
    rejectedReason: null,
    ...values,
  });
}

describe(summarize.name, () => {
  it('should report no recent sync when there are no states', () => {
    expect(summarize([])).toEqual({
      status: 'no_recent_sync',
      last_sync: null,
      records_synced: null,
      errors: [],
    });
  });

  it('should report completed with the newest success and the sum of records', () => {
    const summary = summarize([
      state({ dataType: 'heart_rate', lastAttemptAt: T1, lastSuccessAt: T1, recordsSynced: 10 }),
      state({ dataType: 'steps', lastAttemptAt: T2, lastSuccessAt: T2, recordsSynced: 5 }),
      state({ dataType: 'weight', lastAttemptAt: T3, lastSuccessAt: T3, recordsSynced: 0 }),
    ]);
    expect(summary).toEqual({
      status: 'completed',
      last_sync: T2.toISOString(),
      records_synced: 15,
      errors: [],
      rejected: [],
    });
  });

  it('should show the least advanced data type of a backfill part-way through its window', () => {
    const summary = summarize([
      state({ dataType: 'steps', status: 'running', backfillChunksDone: 20, backfillChunksTotal: 30 }),
      state({ dataType: 'weight', status: 'running', backfillChunksDone: 12, backfillChunksTotal: 30 }),
      state({ dataType: 'ecg', lastAttemptAt: T1, lastSuccessAt: T1, recordsSynced: 3 }),
    ]);
    expect(summary).toMatchObject({ status: 'running', backfill: { chunks_done: 12, chunks_total: 30 } });
  });

  it('should stay completed but list a data type whose window had records the FHIR server refused', () => {
    const summary = summarize([
      state({ dataType: 'steps', lastAttemptAt: T1, lastSuccessAt: T1, recordsSynced: 7 }),
      state({
        dataType: 'weight',
        lastAttemptAt: T2,
        lastSuccessAt: T2,
        recordsSynced: 2,
        lastError: 'fhir_rejected',
      }),
    ]);
    expect(summary).toMatchObject({
      status: 'completed',
      errors: [{ data_type: 'weight', message: SYNC_ERRORS.fhir_rejected, occurred_at: T2.toISOString() }],
    });
  });

  it('should report failed and list each failed data type', () => {
    const summary = summarize([
      state({ dataType: 'steps', lastAttemptAt: T1, lastSuccessAt: T1, recordsSynced: 7 }),
      state({ dataType: 'ecg', status: 'failed', lastAttemptAt: T2, lastError: 'provider_unavailable' }),
      state({ dataType: 'sleep', status: 'failed', lastAttemptAt: null, lastError: null }),
    ]);
    expect(summary).toEqual({
      status: 'failed',
      last_sync: T1.toISOString(),
      records_synced: 7,
      errors: [
        { data_type: 'ecg', message: SYNC_ERRORS.provider_unavailable, occurred_at: T2.toISOString() },
        { data_type: 'sleep', message: 'Sync failed', occurred_at: null },
      ],
      rejected: [],
    });
  });

  it.each(['running', 'pending'] as const)('should report running while a data type is %s', (status) => {
    const summary = summarize([
      state({ dataType: 'steps', lastAttemptAt: T1, lastSuccessAt: T1, recordsSynced: 3 }),
      state({ dataType: 'weight', status, lastAttemptAt: T2 }),
    ]);
    expect(summary).toEqual({
      status: 'running',
      last_sync: T1.toISOString(),
      records_synced: 3,
      errors: [],
      rejected: [],
    });
  });

  it('should give records_synced and last_sync null when nothing ever succeeded', () => {
    const summary = summarize([
      state({ dataType: 'steps', status: 'failed', lastAttemptAt: T1, lastError: 'boom' }),
      state({ dataType: 'weight', status: 'pending' }),
    ]);
    expect(summary.last_sync).toBeNull();
    expect(summary.records_synced).toBeNull();
  });

  it('should report no recent sync for completed states without a success time', () => {
    expect(summarize([state({ status: 'completed', lastSuccessAt: null })])).toEqual({
      status: 'no_recent_sync',
      last_sync: null,
      records_synced: null,
      errors: [],
      rejected: [],
    });
  });

  it('should report partially_rejected with the refused records per data type and why', () => {
    const summary = summarize([
      state({ dataType: 'steps', lastAttemptAt: T1, lastSuccessAt: T1, recordsSynced: 7 }),
      state({
        dataType: 'weight',
        status: 'partially_rejected',
        lastAttemptAt: T2,
        lastSuccessAt: T2,
        recordsSynced: 2,
        lastError: 'consent_missing',
        rejectedRecords: 2,
        rejectedReason: 'consent_missing',
      }),
    ]);
    expect(summary).toEqual({
      status: 'partially_rejected',
      last_sync: T2.toISOString(),
      records_synced: 9,
      errors: [{ data_type: 'weight', message: SYNC_ERRORS.consent_missing, occurred_at: T2.toISOString() }],
      rejected: [{ data_type: 'weight', records: 2, reason: 'consent_missing' }],
    });
  });

  it('should let a failed data type outrank refused records, and keep listing them', () => {
    const summary = summarize([
      state({ dataType: 'steps', status: 'failed', lastAttemptAt: T1, lastError: 'provider_unavailable' }),
      state({
        dataType: 'weight',
        status: 'partially_rejected',
        rejectedRecords: 1,
        rejectedReason: 'jhe_rejected',
      }),
    ]);
    expect(summary).toMatchObject({
      status: 'failed',
      rejected: [{ data_type: 'weight', records: 1, reason: 'jhe_rejected' }],
    });
  });

  it('should report the patient state the link waits in, with its explanation, ahead of other failures', () => {
    const summary = summarize([
      state({
        dataType: 'steps',
        status: 'awaiting_patient',
        lastAttemptAt: T1,
        lastError: 'awaiting_patient',
      }),
      state({ dataType: 'weight', status: 'failed', lastAttemptAt: T2, lastError: 'provider_unavailable' }),
    ]);
    expect(summary.status).toBe('awaiting_patient');
    expect(summary.errors).toEqual([
      { data_type: 'steps', message: SYNC_ERRORS.awaiting_patient, occurred_at: T1.toISOString() },
      { data_type: 'weight', message: SYNC_ERRORS.provider_unavailable, occurred_at: T2.toISOString() },
    ]);
  });

  it('should let a replaced Patient outrank an unavailable one', () => {
    const summary = summarize([
      state({ dataType: 'steps', status: 'patient_unavailable', lastError: 'patient_unavailable' }),
      state({ dataType: 'weight', status: 'patient_replaced', lastError: 'patient_replaced' }),
    ]);
    expect(summary.status).toBe('patient_replaced');
  });
});
