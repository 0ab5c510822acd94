import type { DataType } from './data-type.js';

/**
 * The non-health fields of one provider notification as the inbox keeps them (ids, time bounds, change kind),
 * all strings. Each provider's receiver decides the keys; its ProviderNotifications adapter reads them back.
 */
export type NotificationPayload = Readonly<Record<string, string>>;

/** A time window, end exclusive. */
export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

/**
 * What a notification asks of the sync pipeline:
 * - sync: fetch these data types over this window (the provider's window, before any widening);
 * - revoke: the patient withdrew consent at the provider (Withings appli 46 unlink/delete): end the link;
 * - check_consent: the provider reports deletions that may mean a revoked consent (Google DELETE); the link is
 *   ended only if the provider no longer accepts its grant;
 * - ignore: nothing to fetch (a category we do not map), with the reason for the log.
 */
export type NotificationIntent =
  | { readonly kind: 'sync'; readonly dataTypes: readonly DataType[]; readonly window: TimeWindow }
  | { readonly kind: 'revoke' }
  | { readonly kind: 'check_consent' }
  | { readonly kind: 'ignore'; readonly reason: string };
