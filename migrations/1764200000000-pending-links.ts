import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pending links: a provider consent completed in some browser waits here, sealed, until the clinical app confirms
 * it with a credential of the patient who started the flow (so a forwarded consent page cannot attach someone
 * else's account to that patient). Rows live minutes; expired ones are purged by the service.
 */
export class PendingLinks1764200000000 implements MigrationInterface {
  name = 'PendingLinks1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "pending_links" (
         "id" uuid NOT NULL,
         "code_hash" character(64) NOT NULL,
         "ehr_user_id" character varying(255) NOT NULL,
         "provider_id" integer NOT NULL,
         "external_user_id" character varying(255) NOT NULL,
         "legacy_user_id" character varying(64),
         "access_token_enc" text NOT NULL,
         "refresh_token_enc" text NOT NULL,
         "token_key_id" character varying(32) NOT NULL,
         "token_issued_at" TIMESTAMP WITH TIME ZONE NOT NULL,
         "token_expires_in_s" integer NOT NULL,
         "granted_scopes" text array NOT NULL DEFAULT '{}',
         "actor" character varying(255) NOT NULL,
         "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
         CONSTRAINT "pk_pending_links" PRIMARY KEY ("id"),
         CONSTRAINT "fk_pending_links_provider" FOREIGN KEY ("provider_id")
           REFERENCES "providers"("id") ON DELETE CASCADE ON UPDATE NO ACTION
       )`,
    );
    await q.query(`CREATE UNIQUE INDEX "uq_pending_links_code_hash" ON "pending_links" ("code_hash")`);
    await q.query(`CREATE INDEX "ix_pending_links_expires_at" ON "pending_links" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "pending_links"`);
  }
}
