import type { DataType } from '../../common/domain/data-type.js';

/**
 * What the rest of the service needs to know about a provider without touching its adapters: its key, the data
 * types it can deliver and where its notifications arrive. Each provider folder exports one.
 */
export interface ProviderDescriptor {
  /** The provider_type used in URLs and the providers table. */
  readonly type: string;
  readonly displayName: string;
  readonly dataTypes: readonly DataType[];
  readonly webhookPath: string;
  /** The upstream API actually called (Fitbit data now comes from the Google Health API). */
  readonly upstreamApi: string;
}
