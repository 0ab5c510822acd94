import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { DEFAULT_ORGANIZATION_ID } from '../../src/common/organizations/organization.entity.js';
import { runMigrations } from '../../src/database/migrator.js';
import { adminQuery, databaseUrlFor } from '../support/test-env.js';

/** Reverts migrations, newest first, down to and including the named one. */
async function undoThrough(ds: DataSource, name: string): Promise<void> {
  for (;;) {
    const [last] = await ds.query<{ name: string }[]>(
      `SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`,
    );
    await ds.undoLastMigration({ transaction: 'each' });
    if (last === undefined || last.name === name) {
      return;
    }
  }
}

describe('migrations', () => {
  it('should leave nothing for the entities to change (the migrations and the entities agree)', async () => {
    const ds = new DataSource(dataSourceOptions({ url: inject('databaseUrl'), poolSize: 1 }));
    await ds.initialize();
    try {
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  describe('on a fresh database', () => {
    const dbName = `ohe_mig_${randomBytes(4).toString('hex')}`;
    let ds: DataSource;

    beforeAll(async () => {
      await adminQuery(`CREATE DATABASE "${dbName}"`);
      ds = new DataSource(dataSourceOptions({ url: databaseUrlFor(dbName), poolSize: 3 }));
      await ds.initialize();
    });
    afterAll(async () => {
      await ds.destroy();
      await adminQuery(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    });

    it('should apply every migration once even when replicas start together', async () => {
      const replicas = [1, 2, 3].map(
        () => new DataSource(dataSourceOptions({ url: databaseUrlFor(dbName), poolSize: 2 })),
      );
      try {
        await Promise.all(replicas.map((r) => r.initialize()));
        const results = await Promise.all(replicas.map((r) => runMigrations(r)));
        expect(results.map((r) => r.length).sort()).toEqual([0, 0, ds.migrations.length]);
        expect(await ds.showMigrations()).toBe(false);
      } finally {
        await Promise.all(replicas.map((r) => r.destroy()));
      }
    });

    it('should seed the withings and fitbit providers with their default data types', async () => {
      const rows: { provider_type: string; name: string; default_data_types: string[] }[] = await ds.query(
        'SELECT provider_type, name, default_data_types FROM providers ORDER BY id',
      );
      expect(rows.map((r) => [r.provider_type, r.name])).toEqual([
        ['withings', 'Withings'],
        ['fitbit', 'Fitbit'],
      ]);
      expect(rows[0]?.default_data_types).toContain('ecg');
      expect(rows[1]?.default_data_types).toContain('resting_heart_rate');
    });

    it('should enforce one link per provider and user, and per provider and external account', async () => {
      const [user] = await ds.query<{ id: string }[]>(
        `INSERT INTO ehr_users (organization_id, ehr_user_id) VALUES ($1, 'u1') RETURNING id`,
        [DEFAULT_ORGANIZATION_ID],
      );
      const [other] = await ds.query<{ id: string }[]>(
        `INSERT INTO ehr_users (organization_id, ehr_user_id) VALUES ($1, 'u2') RETURNING id`,
        [DEFAULT_ORGANIZATION_ID],
      );
      const insert = (userId: string, external: string): Promise<unknown> =>
        ds.query(`INSERT INTO provider_links (user_id, provider_id, external_user_id) VALUES ($1, 1, $2)`, [
          userId,
          external,
        ]);
      await insert(user!.id, 'ext-1');
      await expect(insert(user!.id, 'ext-2')).rejects.toThrow(/uq_provider_links_provider_user/);
      await expect(insert(other!.id, 'ext-1')).rejects.toThrow(/uq_provider_links_provider_external/);
    });

    it('should keep existing users and sync states through the patient mapping migration', async () => {
      await undoThrough(ds, 'PatientMapping1764600000000');
      const [mapped] = await ds.query<{ id: string }[]>(
        `INSERT INTO ehr_users (ehr_user_id, fhir_patient_id) VALUES ('mig-mapped', 'pat-1') RETURNING id`,
      );
      await ds.query(`INSERT INTO ehr_users (ehr_user_id) VALUES ('mig-plain')`);
      const [link] = await ds.query<{ id: number }[]>(
        `INSERT INTO provider_links (user_id, provider_id, external_user_id) VALUES ($1, 1, 'mig-ext') RETURNING id`,
        [mapped!.id],
      );
      await ds.query(
        `INSERT INTO sync_states (link_id, data_type, status) VALUES ($1, 'steps', 'completed')`,
        [link!.id],
      );
      await runMigrations(ds);

      const users = await ds.query<
        { ehr_user_id: string; fhir_patient_id: string | null; patient_status: string }[]
      >(
        `SELECT ehr_user_id, fhir_patient_id, patient_status FROM ehr_users
          WHERE ehr_user_id LIKE 'mig-%' ORDER BY ehr_user_id`,
      );
      expect(users).toEqual([
        { ehr_user_id: 'mig-mapped', fhir_patient_id: 'pat-1', patient_status: 'mapped' },
        { ehr_user_id: 'mig-plain', fhir_patient_id: null, patient_status: 'unmapped' },
      ]);
      const states = await ds.query<{ status: string }[]>(
        `SELECT status FROM sync_states WHERE link_id = $1`,
        [link!.id],
      );
      expect(states).toEqual([{ status: 'completed' }]);
      // The wider status column takes the patient states.
      await ds.query(`UPDATE sync_states SET status = 'patient_unavailable' WHERE link_id = $1`, [link!.id]);
      await ds.query(`DELETE FROM provider_links WHERE id = $1`, [link!.id]);
      await ds.query(`DELETE FROM ehr_users WHERE ehr_user_id LIKE 'mig-%'`);
    });

    it('should keep sync states through the rejected-records migration, and revert partially_rejected', async () => {
      await undoThrough(ds, 'SyncRejectedRecords1764650000000');
      const [user] = await ds.query<{ id: string }[]>(
        `INSERT INTO ehr_users (ehr_user_id) VALUES ('mig-rej') RETURNING id`,
      );
      const [link] = await ds.query<{ id: number }[]>(
        `INSERT INTO provider_links (user_id, provider_id, external_user_id) VALUES ($1, 1, 'mig-rej') RETURNING id`,
        [user!.id],
      );
      await ds.query(
        `INSERT INTO sync_states (link_id, data_type, status, records_synced, last_error)
         VALUES ($1, 'weight', 'completed', 4, 'fhir_rejected')`,
        [link!.id],
      );
      await runMigrations(ds);
      const select = `SELECT status, records_synced, last_error, rejected_records, rejected_reason,
                             rejected_window_start FROM sync_states WHERE link_id = $1`;
      expect(await ds.query(select, [link!.id])).toEqual([
        {
          status: 'completed',
          records_synced: 4,
          last_error: 'fhir_rejected',
          rejected_records: null,
          rejected_reason: null,
          rejected_window_start: null,
        },
      ]);
      await ds.query(
        `UPDATE sync_states SET status = 'partially_rejected', rejected_records = 2,
                rejected_reason = 'consent_missing' WHERE link_id = $1`,
        [link!.id],
      );
      await undoThrough(ds, 'SyncRejectedRecords1764650000000');
      const reverted = await ds.query<{ status: string }[]>(
        `SELECT status FROM sync_states WHERE link_id = $1`,
        [link!.id],
      );
      expect(reverted).toEqual([{ status: 'completed' }]);
      await runMigrations(ds);
      await ds.query(`DELETE FROM provider_links WHERE id = $1`, [link!.id]);
      await ds.query(`DELETE FROM ehr_users WHERE ehr_user_id = 'mig-rej'`);
    });

    it('should keep existing users, links and API keys through the organizations migration', async () => {
      await undoThrough(ds, 'Organizations1764700000000');
      const [user] = await ds.query<{ id: string }[]>(
        `INSERT INTO ehr_users (ehr_user_id, fhir_patient_id) VALUES ('org-mig', 'pat-9') RETURNING id`,
      );
      const [link] = await ds.query<{ id: number }[]>(
        `INSERT INTO provider_links (user_id, provider_id, external_user_id) VALUES ($1, 1, 'org-ext') RETURNING id`,
        [user!.id],
      );
      await ds.query(
        `INSERT INTO api_keys (name, key_hash, role) VALUES ('old', repeat('a', 64), 'service')`,
      );
      await runMigrations(ds);

      const [org] = await ds.query<{ id: string; slug: string; target_kind: string }[]>(
        `SELECT id, slug, target_kind FROM organizations`,
      );
      expect(org).toEqual({ id: DEFAULT_ORGANIZATION_ID, slug: 'default', target_kind: 'fhir' });
      expect(
        await ds.query(`SELECT ehr_user_id, fhir_patient_id, organization_id FROM ehr_users WHERE id = $1`, [
          user!.id,
        ]),
      ).toEqual([
        { ehr_user_id: 'org-mig', fhir_patient_id: 'pat-9', organization_id: DEFAULT_ORGANIZATION_ID },
      ]);
      expect(await ds.query(`SELECT organization_id FROM api_keys WHERE name = 'old'`)).toEqual([
        { organization_id: DEFAULT_ORGANIZATION_ID },
      ]);
      expect(await ds.query(`SELECT user_id FROM provider_links WHERE id = $1`, [link!.id])).toEqual([
        { user_id: user!.id },
      ]);
      // The same EHR id may now exist in another organization, but not twice in one.
      const [other] = await ds.query<{ id: string }[]>(
        `INSERT INTO organizations (slug, name) VALUES ('other', 'Other') RETURNING id`,
      );
      await ds.query(`INSERT INTO ehr_users (organization_id, ehr_user_id) VALUES ($1, 'org-mig')`, [
        other!.id,
      ]);
      await expect(
        ds.query(`INSERT INTO ehr_users (organization_id, ehr_user_id) VALUES ($1, 'org-mig')`, [other!.id]),
      ).rejects.toThrow(/uq_ehr_users_organization_ehr_user_id/);
      await expect(ds.query(`INSERT INTO ehr_users (ehr_user_id) VALUES ('no-org')`)).rejects.toThrow(
        /organization_id/,
      );
      await ds.query(`DELETE FROM provider_links WHERE id = $1`, [link!.id]);
      await ds.query(`DELETE FROM ehr_users WHERE ehr_user_id = 'org-mig'`);
      await ds.query(`DELETE FROM api_keys WHERE name = 'old'`);
      await ds.query(`DELETE FROM organizations WHERE id = $1`, [other!.id]);
    });

    it('should revert every migration and apply them again', async () => {
      for (let i = 0; i < ds.migrations.length; i++) {
        await ds.undoLastMigration({ transaction: 'each' });
      }
      const tables: { table_name: string }[] = await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations'`,
      );
      expect(tables).toEqual([]);
      await runMigrations(ds);
      expect(await ds.showMigrations()).toBe(false);
    });
  });
});
