import { DecryptionError } from '../crypto/token-cipher.js';
import type { OrganizationRepository } from './organization.repository.js';
import type { OrganizationSecrets } from './organization-secrets.js';

/**
 * Moves every organization's sealed auth settings to the newest TOKEN_KEYS key, as tokens:reencrypt does for
 * provider tokens, so an old key can be dropped once both have run. `failed` lists organizations no ring key opens.
 */
export async function reencryptOrganizationSecrets(
  repo: OrganizationRepository,
  secrets: OrganizationSecrets,
): Promise<{ reencrypted: number; failed: string[] }> {
  let reencrypted = 0;
  const failed: string[] = [];
  for (const { id, sealed } of await repo.staleSecretIds(secrets.currentKeyId)) {
    try {
      const resealed = secrets.seal(id, secrets.open(id, sealed));
      reencrypted += (await repo.resealSecret(id, sealed, resealed)) ? 1 : 0;
    } catch (err) {
      if (!(err instanceof DecryptionError)) {
        throw err;
      }
      failed.push(id);
    }
  }
  return { reencrypted, failed };
}
