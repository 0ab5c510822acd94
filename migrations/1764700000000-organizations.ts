import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The organization every row existing before this migration belongs to; its target comes from the environment. */
const DEFAULT_ORGANIZATION_ID = '00000000-0000-4000-8000-000000000001';

/**
 * Organizations (tenants): each owns its patients, its API keys and its publishing target. The target's auth
 * settings are sealed with the TOKEN_KEYS ring (fhir_auth_enc, with the key id for re-encryption). Every existing
 * patient, API key and pending link joins the `default` organization, whose target stays the one the environment
 * configures. An EHR user id is unique within its organization only, since two hospitals may both have a `12345`.
 */
export class Organizations1764700000000 implements MigrationInterface {
  name = 'Organizations1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "organizations" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "slug" character varying(64) NOT NULL,
        "name" character varying(255) NOT NULL,
        "target_kind" character varying(8) NOT NULL DEFAULT 'fhir',
        "fhir_base_url" character varying(2048),
        "fhir_auth_kind" character varying(24) NOT NULL DEFAULT 'none',
        "fhir_auth_enc" text,
        "fhir_auth_key_id" character varying(32),
        "jhe_base_url" character varying(2048),
        "jhe_data_source_id" character varying(64),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "uq_organizations_slug" UNIQUE ("slug"),
        CONSTRAINT "pk_organizations" PRIMARY KEY ("id")
      )`);
    await q.query(`INSERT INTO "organizations" ("id", "slug", "name") VALUES ($1, 'default', 'Default')`, [
      DEFAULT_ORGANIZATION_ID,
    ]);
    for (const table of ['ehr_users', 'api_keys', 'pending_links']) {
      await q.query(`ALTER TABLE "${table}" ADD "organization_id" uuid`);
      await q.query(`UPDATE "${table}" SET "organization_id" = $1`, [DEFAULT_ORGANIZATION_ID]);
      await q.query(`ALTER TABLE "${table}" ALTER COLUMN "organization_id" SET NOT NULL`);
      await q.query(
        `ALTER TABLE "${table}" ADD CONSTRAINT "fk_${table}_organization" FOREIGN KEY ("organization_id")
           REFERENCES "organizations"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
      );
    }
    await q.query(`ALTER TABLE "ehr_users" DROP CONSTRAINT "uq_ehr_users_ehr_user_id"`);
    await q.query(
      `ALTER TABLE "ehr_users" ADD CONSTRAINT "uq_ehr_users_organization_ehr_user_id"
         UNIQUE ("organization_id", "ehr_user_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Users of other organizations cannot keep their ids in one global namespace: only the default's stay.
    await q.query(`DELETE FROM "pending_links" WHERE "organization_id" <> $1`, [DEFAULT_ORGANIZATION_ID]);
    await q.query(`DELETE FROM "api_keys" WHERE "organization_id" <> $1`, [DEFAULT_ORGANIZATION_ID]);
    await q.query(`DELETE FROM "ehr_users" WHERE "organization_id" <> $1`, [DEFAULT_ORGANIZATION_ID]);
    await q.query(`ALTER TABLE "ehr_users" DROP CONSTRAINT "uq_ehr_users_organization_ehr_user_id"`);
    await q.query(`ALTER TABLE "ehr_users" ADD CONSTRAINT "uq_ehr_users_ehr_user_id" UNIQUE ("ehr_user_id")`);
    for (const table of ['pending_links', 'api_keys', 'ehr_users']) {
      await q.query(`ALTER TABLE "${table}" DROP CONSTRAINT "fk_${table}_organization"`);
      await q.query(`ALTER TABLE "${table}" DROP COLUMN "organization_id"`);
    }
    await q.query(`DROP TABLE "organizations"`);
  }
}
