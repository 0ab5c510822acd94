import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { ApiKey, type ApiKeyRole } from './api-key.entity.js';

@Injectable()
export class ApiKeyRepository {
  constructor(@InjectRepository(ApiKey) private readonly repo: Repository<ApiKey>) {}

  findUsableByHash(keyHash: string): Promise<ApiKey | null> {
    return this.repo.findOne({ where: { keyHash, revokedAt: IsNull() } });
  }

  async insert(values: {
    name: string;
    keyHash: string;
    role: ApiKeyRole;
    organizationId: string;
    ehrUserId: string | null;
    expiresAt: Date | null;
  }): Promise<ApiKey> {
    return this.repo.save(this.repo.create(values));
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: at });
  }

  async revoke(id: string, at: Date): Promise<boolean> {
    const result = await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }
}
