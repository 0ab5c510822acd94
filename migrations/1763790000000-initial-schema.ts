import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Links, providers, sync bookkeeping and API keys. No table here holds a health measurement. */
export class InitialSchema1763790000000 implements MigrationInterface {
  name = 'InitialSchema1763790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "ehr_users" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "ehr_user_id" character varying(255) NOT NULL,
        "external_subject" character varying(255),
        "fhir_patient_id" character varying(64),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "uq_ehr_users_ehr_user_id" UNIQUE ("ehr_user_id"),
        CONSTRAINT "pk_ehr_users" PRIMARY KEY ("id")
      )`);
    await q.query(`
      CREATE TABLE "providers" (
        "id" SERIAL NOT NULL,
        "name" character varying(100) NOT NULL,
        "provider_type" character varying(32) NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        "default_data_types" text array NOT NULL DEFAULT '{}',
        "excluded_data_types" text array NOT NULL DEFAULT '{}',
        "supports_webhooks" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "uq_providers_name" UNIQUE ("name"),
        CONSTRAINT "uq_providers_provider_type" UNIQUE ("provider_type"),
        CONSTRAINT "pk_providers" PRIMARY KEY ("id")
      )`);
    await q.query(`
      CREATE TABLE "provider_links" (
        "id" SERIAL NOT NULL,
        "user_id" uuid NOT NULL,
        "provider_id" integer NOT NULL,
        "external_user_id" character varying(255) NOT NULL,
        "status" character varying(32) NOT NULL DEFAULT 'active',
        "linked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "uq_provider_links_provider_user" UNIQUE ("provider_id", "user_id"),
        CONSTRAINT "uq_provider_links_provider_external" UNIQUE ("provider_id", "external_user_id"),
        CONSTRAINT "pk_provider_links" PRIMARY KEY ("id"),
        CONSTRAINT "fk_provider_links_user" FOREIGN KEY ("user_id")
          REFERENCES "ehr_users"("id") ON DELETE CASCADE ON UPDATE NO ACTION,
        CONSTRAINT "fk_provider_links_provider" FOREIGN KEY ("provider_id")
          REFERENCES "providers"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )`);
    await q.query(`CREATE INDEX "ix_provider_links_user" ON "provider_links" ("user_id")`);
    await q.query(`
      CREATE TABLE "sync_states" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "link_id" integer NOT NULL,
        "data_type" character varying(64) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'pending',
        "last_attempt_at" TIMESTAMP WITH TIME ZONE,
        "last_success_at" TIMESTAMP WITH TIME ZONE,
        "records_synced" integer NOT NULL DEFAULT 0,
        "last_error" text,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "uq_sync_states_link_type" UNIQUE ("link_id", "data_type"),
        CONSTRAINT "pk_sync_states" PRIMARY KEY ("id"),
        CONSTRAINT "fk_sync_states_link" FOREIGN KEY ("link_id")
          REFERENCES "provider_links"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await q.query(`
      CREATE TABLE "api_keys" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "name" character varying(100) NOT NULL,
        "key_hash" character(64) NOT NULL,
        "role" character varying(16) NOT NULL,
        "ehr_user_id" character varying(255),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "uq_api_keys_key_hash" UNIQUE ("key_hash"),
        CONSTRAINT "pk_api_keys" PRIMARY KEY ("id")
      )`);
    await q.query(`
      INSERT INTO "providers" ("name", "provider_type", "active", "default_data_types", "supports_webhooks") VALUES
        ('Withings', 'withings', true,
         '{heart_rate,steps,rr_intervals,hrv,ecg,blood_pressure,weight,body_fat,body_temperature,spo2,sleep}', true),
        ('Fitbit', 'fitbit', true,
         '{heart_rate,steps,hrv,spo2,weight,body_fat,sleep,ecg,resting_heart_rate}', true)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "api_keys"`);
    await q.query(`DROP TABLE "sync_states"`);
    await q.query(`DROP INDEX "ix_provider_links_user"`);
    await q.query(`DROP TABLE "provider_links"`);
    await q.query(`DROP TABLE "providers"`);
    await q.query(`DROP TABLE "ehr_users"`);
  }
}
