import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, type Repository } from 'typeorm';
import { ProviderLink } from '../entities/provider-link.entity.js';

@Injectable()
export class ProviderLinkRepository {
  constructor(@InjectRepository(ProviderLink) private readonly repo: Repository<ProviderLink>) {}

  /** The user's links that have not been revoked, with their provider, oldest first. */
  findCurrentByUser(userId: string): Promise<ProviderLink[]> {
    return this.repo.find({
      where: { userId, status: Not('revoked') },
      relations: { provider: true },
      order: { linkedAt: 'ASC', id: 'ASC' },
    });
  }

  /** The EHR user's unrevoked link to one provider, if any. */
  async findCurrentFor(ehrUserId: string, providerType: string): Promise<ProviderLink | undefined> {
    const link = await this.repo.findOne({
      where: { user: { ehrUserId }, provider: { providerType }, status: Not('revoked') },
      relations: { provider: true },
    });
    return link ?? undefined;
  }

  /** Whether another patient holds this provider account (a link that was not revoked). */
  async heldByAnother(providerType: string, externalUserId: string, ehrUserId: string): Promise<boolean> {
    const count = await this.repo.count({
      where: {
        provider: { providerType },
        externalUserId,
        status: Not('revoked'),
        user: { ehrUserId: Not(ehrUserId) },
      },
    });
    return count > 0;
  }

  /** Whether any patient holds this provider account (a link that was not revoked). */
  async isHeld(providerType: string, externalUserId: string): Promise<boolean> {
    return this.repo.exists({
      where: { provider: { providerType }, externalUserId, status: Not('revoked') },
    });
  }
}
