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
  async findCurrentFor(
    organizationId: string,
    ehrUserId: string,
    providerType: string,
  ): Promise<ProviderLink | undefined> {
    const link = await this.repo.findOne({
      where: { user: { organizationId, ehrUserId }, provider: { providerType }, status: Not('revoked') },
      relations: { provider: true },
    });
    return link ?? undefined;
  }

  /**
   * Whether another patient holds this provider account (a link that was not revoked). A provider account is one
   * person's, so a patient of another organization holding it counts, whatever their EHR id.
   */
  async heldByAnother(
    providerType: string,
    externalUserId: string,
    patient: { organizationId: string; ehrUserId: string },
  ): Promise<boolean> {
    const holders = await this.repo.find({
      where: { provider: { providerType }, externalUserId, status: Not('revoked') },
      relations: { user: true },
    });
    return holders.some(
      (l) => l.user.organizationId !== patient.organizationId || l.user.ehrUserId !== patient.ehrUserId,
    );
  }

  /** Whether any patient holds this provider account (a link that was not revoked). */
  async isHeld(providerType: string, externalUserId: string): Promise<boolean> {
    return this.repo.exists({
      where: { provider: { providerType }, externalUserId, status: Not('revoked') },
    });
  }
}
