import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_ORGANIZATION_ID } from '../organizations/organization.entity.js';
import type { ApiKeyRole } from './api-key.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import type { Principal } from './principal.js';

export const API_KEY_PREFIX = 'ohe_';
// last_used_at is bookkeeping, not an audit trail: writing it at most once a minute keeps reads cheap.
const TOUCH_INTERVAL_MS = 60_000;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger('ApiKeys');

  constructor(private readonly keys: ApiKeyRepository) {}

  /** Creates a key and returns its only plaintext copy. */
  async create(input: {
    name: string;
    role: ApiKeyRole;
    /** Defaults to the default organization, as the CLI's --organization does. */
    organizationId?: string;
    ehrUserId?: string;
    expiresAt?: Date;
  }): Promise<{ id: string; key: string }> {
    if (input.role === 'patient' && (input.ehrUserId === undefined || input.ehrUserId === '')) {
      throw new Error('a patient key needs the ehr_user_id it acts for');
    }
    const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.keys.insert({
      name: input.name,
      keyHash: hashApiKey(key),
      role: input.role,
      organizationId: input.organizationId ?? DEFAULT_ORGANIZATION_ID,
      ehrUserId: input.role === 'patient' ? (input.ehrUserId ?? null) : null,
      expiresAt: input.expiresAt ?? null,
    });
    return { id: row.id, key };
  }

  revoke(id: string): Promise<boolean> {
    return this.keys.revoke(id, new Date());
  }

  /** The principal for a presented key, or undefined when it is unknown, revoked or expired. */
  async verify(key: string): Promise<Principal | undefined> {
    if (!key.startsWith(API_KEY_PREFIX)) {
      return undefined;
    }
    const row = await this.keys.findUsableByHash(hashApiKey(key));
    const now = new Date();
    if (row === null || (row.expiresAt !== null && row.expiresAt <= now)) {
      return undefined;
    }
    if (row.lastUsedAt === null || now.getTime() - row.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      this.keys.touch(row.id, now).catch((err: unknown) => {
        this.logger.warn({ err }, 'could not record key use');
      });
    }
    return {
      role: row.role,
      subject: `api_key:${row.id}`,
      ehrUserId: row.ehrUserId ?? undefined,
      organizationId: row.organizationId,
      via: 'api_key',
    };
  }
}
