import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Encrypted OAuth tokens on provider_links (ciphertext, key id, expiry, granted scopes, Google's legacy user id)
 * and the audit_events trail of linking actions. Tokens are only ever stored sealed by TokenCipher.
 */
export class ProviderTokensAndAudit1763900000000 implements MigrationInterface {
  name = 'ProviderTokensAndAudit1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "provider_links" ADD "legacy_user_id" character varying(64)`);
    await q.query(`ALTER TABLE "provider_links" ADD "access_token_enc" text`);
    await q.query(`ALTER TABLE "provider_links" ADD "refresh_token_enc" text`);
    await q.query(`ALTER TABLE "provider_links" ADD "token_key_id" character varying(32)`);
    await q.query(`ALTER TABLE "provider_links" ADD "token_expires_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "provider_links" ADD "token_issued_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "provider_links" ADD "granted_scopes" text array NOT NULL DEFAULT '{}'`);
    await q.query(`
      CREATE TABLE "audit_events" (
        "id" BIGSERIAL NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "actor" character varying(255) NOT NULL,
        "action" character varying(64) NOT NULL,
        "ehr_user_id" character varying(255),
        "provider" character varying(32),
        "link_id" integer,
        "request_id" character varying(128),
        "details" jsonb NOT NULL DEFAULT '{}',
        CONSTRAINT "pk_audit_events" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_audit_events_ehr_user_id" ON "audit_events" ("ehr_user_id", "at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_audit_events_ehr_user_id"`);
    await q.query(`DROP TABLE "audit_events"`);
    for (const column of [
      'granted_scopes',
      'token_issued_at',
      'token_expires_at',
      'token_key_id',
      'refresh_token_enc',
      'access_token_enc',
      'legacy_user_id',
    ]) {
      await q.query(`ALTER TABLE "provider_links" DROP COLUMN "${column}"`);
    }
  }
}
