import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { EhrUser } from '../../src/base/entities/ehr-user.entity.js';
import { ProviderLink, type LinkStatus } from '../../src/base/entities/provider-link.entity.js';
import { Provider } from '../../src/base/entities/provider.entity.js';
import { DEFAULT_ORGANIZATION_ID } from '../../src/common/organizations/organization.entity.js';
import { SyncState, type SyncStatus } from '../../src/base/entities/sync-state.entity.js';

/** A fresh, collision-free EHR user id for one test. */
export function newEhrUserId(label = 'user'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
}

export async function createUser(
  ds: DataSource,
  ehrUserId = newEhrUserId(),
  organizationId = DEFAULT_ORGANIZATION_ID,
): Promise<EhrUser> {
  return ds.getRepository(EhrUser).save({ ehrUserId, organizationId });
}

export async function createLink(
  ds: DataSource,
  user: EhrUser,
  providerType: string,
  values: { externalUserId?: string; status?: LinkStatus; linkedAt?: Date } = {},
): Promise<ProviderLink> {
  const provider = await ds.getRepository(Provider).findOneByOrFail({ providerType });
  return ds.getRepository(ProviderLink).save({
    userId: user.id,
    providerId: provider.id,
    externalUserId: values.externalUserId ?? `${providerType}-${randomBytes(5).toString('hex')}`,
    status: values.status ?? 'active',
    linkedAt: values.linkedAt ?? new Date(),
  });
}

export async function createSyncState(
  ds: DataSource,
  link: ProviderLink,
  values: {
    dataType: string;
    status: SyncStatus;
    lastSuccessAt?: Date | null;
    lastAttemptAt?: Date | null;
    recordsSynced?: number;
    lastError?: string | null;
  },
): Promise<SyncState> {
  return ds.getRepository(SyncState).save({
    linkId: link.id,
    dataType: values.dataType,
    status: values.status,
    lastSuccessAt: values.lastSuccessAt ?? null,
    lastAttemptAt: values.lastAttemptAt ?? null,
    recordsSynced: values.recordsSynced ?? 0,
    lastError: values.lastError ?? null,
  });
}
