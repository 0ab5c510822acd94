import { HttpStatus } from '@nestjs/common';
import { ApiError, NotFoundError } from '../../common/errors/api-error.js';
import type { ProviderLink } from '../entities/provider-link.entity.js';
import type { ProviderLinkRepository } from '../repositories/provider-link.repository.js';

/**
 * The patient's current link to the provider, for a request that makes it sync now: 404 without one, 409 when it
 * is not active (a revoked or re-auth-needing link cannot be fetched from).
 */
export async function activeLinkOf(
  links: ProviderLinkRepository,
  user: { id: string; ehrUserId: string },
  provider: string,
): Promise<ProviderLink> {
  const link = (await links.findCurrentByUser(user.id)).find((l) => l.provider.providerType === provider);
  if (link === undefined) {
    throw new NotFoundError(`User ${user.ehrUserId} has no ${provider} link`);
  }
  if (link.status !== 'active') {
    throw new ApiError(HttpStatus.CONFLICT, 'link_not_active', `The ${provider} link is ${link.status}`, {
      link_status: [link.status],
    });
  }
  return link;
}
