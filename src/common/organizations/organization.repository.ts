import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Organization } from './organization.entity.js';

/** The columns an organization is created or changed with (id and timestamps are the database's). */
export type OrganizationValues = Omit<Organization, 'id' | 'createdAt' | 'updatedAt'>;

@Injectable()
export class OrganizationRepository {
  constructor(@InjectRepository(Organization) private readonly repo: Repository<Organization>) {}

  findById(id: string): Promise<Organization | null> {
    return this.repo.findOne({ where: { id } });
  }

  findBySlug(slug: string): Promise<Organization | null> {
    return this.repo.findOne({ where: { slug } });
  }

  list(): Promise<Organization[]> {
    return this.repo.find({ order: { createdAt: 'ASC', slug: 'ASC' } });
  }

  /** Inserts the row with a caller-chosen id, so its sealed secrets can name the row before it exists. */
  async insert(id: string, values: OrganizationValues): Promise<Organization> {
    await this.repo.insert({ id, ...values });
    return this.repo.findOneOrFail({ where: { id } });
  }

  async update(id: string, values: Partial<OrganizationValues>): Promise<Organization | null> {
    await this.repo.update(id, values);
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.repo.delete(id);
    return (result.affected ?? 0) > 0;
  }

  /** Organizations whose auth settings are sealed under another key than `currentKeyId`. */
  async staleSecretIds(currentKeyId: string): Promise<Array<{ id: string; sealed: string }>> {
    const rows = await this.repo.query<{ id: string; fhir_auth_enc: string }[]>(
      `SELECT id, fhir_auth_enc FROM organizations
        WHERE fhir_auth_enc IS NOT NULL AND fhir_auth_key_id IS DISTINCT FROM $1 ORDER BY id`,
      [currentKeyId],
    );
    return rows.map((r) => ({ id: r.id, sealed: r.fhir_auth_enc }));
  }

  /**
   * Replaces the sealed settings if they are still `previous` (a PATCH meanwhile wins). updated_at stays: the
   * settings are the same, so the publishers built from them need no rebuild.
   */
  async resealSecret(
    id: string,
    previous: string,
    sealed: { keyId: string; value: string },
  ): Promise<boolean> {
    const [, affected] = await this.repo.query<[unknown, number]>(
      `UPDATE organizations SET fhir_auth_enc = $3, fhir_auth_key_id = $4 WHERE id = $1 AND fhir_auth_enc = $2`,
      [id, previous, sealed.value, sealed.keyId],
    );
    return affected > 0;
  }

  /** Whether any patient, API key or pending link still belongs to the organization. */
  async inUse(id: string): Promise<boolean> {
    const [row] = await this.repo.query<{ used: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM ehr_users WHERE organization_id = $1)
           OR EXISTS (SELECT 1 FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL)
           OR EXISTS (SELECT 1 FROM pending_links WHERE organization_id = $1) AS used`,
      [id],
    );
    return row?.used === true;
  }
}
