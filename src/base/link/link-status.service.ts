import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal.js';
import { PatientAccessService } from '../patient-access.service.js';
import { ProviderLinkRepository } from '../repositories/provider-link.repository.js';
import type { LinkStatusDto } from './dto/link-status.dto.js';

@Injectable()
export class LinkStatusService {
  constructor(
    private readonly access: PatientAccessService,
    private readonly links: ProviderLinkRepository,
  ) {}

  async status(principal: Principal, ehrUserId: string, provider: string): Promise<LinkStatusDto> {
    const user = await this.access.visibleUser(principal, ehrUserId);
    const links = (await this.links.findCurrentByUser(user.id)).filter(
      (l) => l.provider.providerType === provider,
    );
    return {
      ehr_user_id: ehrUserId,
      provider,
      linked: links.some((l) => l.status === 'active'),
      links: links.map((l) => ({
        provider_name: l.provider.name,
        provider_type: l.provider.providerType,
        external_user_id: l.externalUserId,
        active: l.status === 'active',
        status: l.status,
        linked_at: l.linkedAt.toISOString(),
      })),
      total_links: links.length,
    };
  }
}
