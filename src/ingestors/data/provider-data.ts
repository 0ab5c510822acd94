import type { DataType } from '../../common/domain/data-type.js';
import type { TimeWindow } from '../../common/domain/notification.js';
import type { NormalizedDevice, NormalizedRecord, PatientRef } from '../../common/domain/records.js';

/** What a data adapter knows about the link it fetches for. */
export interface ProviderDataContext {
  readonly linkId: number;
  /** The provider's id of the account (Withings userid, Google healthUserId). */
  readonly externalUserId: string;
  readonly patient: PatientRef;
  /**
   * Runs one provider call with a usable access token; if the provider refuses the token (InvalidTokenError) it
   * refreshes once (single-flight across processes) and calls again.
   */
  withToken<T>(call: (accessToken: string) => Promise<T>): Promise<T>;
}

/**
 * One provider's data side: fetch normalized records and the paired devices. Implementations call the provider
 * through ProviderGate (quota + circuit breaker) and throw ProviderCallError (retryable or not),
 * ProviderRateLimitedError (with the wait), InvalidTokenError / LinkNotUsableError for token trouble.
 * Records stay in memory: nothing here is written anywhere.
 */
export abstract class ProviderData {
  /** provider_type served (`withings`, `fitbit`). */
  abstract readonly type: string;

  /** Data types fetch() can deliver. */
  abstract readonly dataTypes: readonly DataType[];

  /** The longest window one fetch() should be asked for; longer syncs (backfills) are split into chunks. */
  abstract readonly maxWindowMs: number;

  /**
   * Records of these types whose time lies in [window.start, window.end), every page fetched. Types the
   * provider does not deliver are skipped.
   */
  abstract fetch(
    ctx: ProviderDataContext,
    dataTypes: readonly DataType[],
    window: TimeWindow,
  ): Promise<NormalizedRecord[]>;

  /** The devices the provider reports for the account. */
  abstract listDevices(ctx: ProviderDataContext): Promise<NormalizedDevice[]>;
}
