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
