import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_ORGANIZATION_ID } from '../../src/common/organizations/organization.entity.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { RejectedRecordsRepository } from '../../src/ingestors/sync/rejected-records.repository.js';

const day = (d: number): Date => new Date(Date.UTC(2026, 10, d));
const window = (start: number, end: number): { start: Date; end: Date } => ({
  start: day(start),
  end: day(end),
});

interface Row {
  status: string;
  last_error: string | null;
  rejected_records: number | null;
  rejected_reason: string | null;
  rejected_window_start: Date | null;
  rejected_window_end: Date | null;
}

/** The bookkeeping rules of refused records: replace on a covering re-sync, add on another window, clear. */
describe(RejectedRecordsRepository.name, () => {
  let ds: DataSource;
  let repo: RejectedRecordsRepository;
  let linkId: number;

  beforeAll(async () => {
    ds = new DataSource(dataSourceOptions({ url: inject('databaseUrl'), poolSize: 1 }));
    await ds.initialize();
    repo = new RejectedRecordsRepository(ds);
    const [user] = await ds.query<{ id: string }[]>(
      `INSERT INTO ehr_users (ehr_user_id, organization_id) VALUES ($1, $2) RETURNING id`,
      [`rej-${randomBytes(4).toString('hex')}`, DEFAULT_ORGANIZATION_ID],
    );
    const [link] = await ds.query<{ id: number }[]>(
      `INSERT INTO provider_links (user_id, provider_id, external_user_id) VALUES ($1, 1, $2) RETURNING id`,
      [user!.id, `rej-${randomBytes(4).toString('hex')}`],
    );
    linkId = link!.id;
  });
  afterAll(async () => {
    await ds.query(`DELETE FROM provider_links WHERE id = $1`, [linkId]);
    await ds.destroy();
  });

  /** What markSucceeded leaves before the refusals are recorded. */
  const completed = (type: string): Promise<unknown> =>
    ds.query(
      `INSERT INTO sync_states (link_id, data_type, status, last_error) VALUES ($1, $2, 'completed', NULL)
       ON CONFLICT ON CONSTRAINT uq_sync_states_link_type DO UPDATE SET status = 'completed', last_error = NULL`,
      [linkId, type],
    );
  const row = async (type: string): Promise<Row | undefined> =>
    (
      await ds.query<Row[]>(
        `SELECT status, last_error, rejected_records, rejected_reason, rejected_window_start, rejected_window_end
           FROM sync_states WHERE link_id = $1 AND data_type = $2`,
        [linkId, type],
      )
    )[0];

  it('should keep nothing for a sync without refusals', async () => {
    await completed('steps');
    await repo.record(linkId, 'steps', { records: 0, reason: null, window: window(1, 2) });
    expect(await row('steps')).toMatchObject({
      status: 'completed',
      last_error: null,
      rejected_records: null,
    });
  });

  it('should add the refusals of another window and widen it, replace them on a covering re-sync, then clear', async () => {
    await completed('weight');
    await repo.record(linkId, 'weight', { records: 2, reason: 'consent_missing', window: window(1, 2) });
    expect(await row('weight')).toEqual({
      status: 'partially_rejected',
      last_error: 'consent_missing',
      rejected_records: 2,
      rejected_reason: 'consent_missing',
      rejected_window_start: day(1),
      rejected_window_end: day(2),
    });

    // A later window refused too: both are left, in one wider window.
    await completed('weight');
    await repo.record(linkId, 'weight', { records: 1, reason: 'consent_missing', window: window(3, 4) });
    expect(await row('weight')).toMatchObject({
      status: 'partially_rejected',
      rejected_records: 3,
      rejected_window_start: day(1),
      rejected_window_end: day(4),
    });

    // A later window without refusals leaves the earlier ones waiting.
    await completed('weight');
    await repo.record(linkId, 'weight', { records: 0, reason: null, window: window(4, 5) });
    expect(await row('weight')).toMatchObject({ status: 'partially_rejected', rejected_records: 3 });

    // A re-sync of the whole window refused again: what it refused is all that is left, not counted twice.
    await completed('weight');
    await repo.record(linkId, 'weight', { records: 3, reason: 'consent_missing', window: window(1, 4) });
    expect(await row('weight')).toMatchObject({ status: 'partially_rejected', rejected_records: 3 });

    // Consent granted, the re-sync publishes everything: back to completed, counts cleared.
    await completed('weight');
    await repo.record(linkId, 'weight', { records: 0, reason: null, window: window(1, 4) });
    expect(await row('weight')).toEqual({
      status: 'completed',
      last_error: null,
      rejected_records: null,
      rejected_reason: null,
      rejected_window_start: null,
      rejected_window_end: null,
    });
  });
});
