import type { SubscriptionRepair, SubscriptionView } from '../auth/provider-auth.js';
import type { NotifyProfile } from './withings-api.client.js';

/** The Withings notify categories (appli values): weight, temperature, BP/HR/SpO2, activity, sleep, user events (46: unlink/delete), ECG, HRV. */
export const WITHINGS_APPLIS = [1, 2, 4, 16, 44, 46, 54, 62] as const;

export interface WithingsRepairPlan extends SubscriptionRepair {
  /** The profiles to revoke once the current ones exist. */
  readonly revoke: readonly NotifyProfile[];
}

/**
 * What makes a user's subscriptions whole: every appli on the current callback URL, none of ours on an old one
 * (a rotated secret). `ours` tells our callback URLs from other applications' of the same Withings user, which
 * are not ours to touch.
 */
export function planWithingsRepair(
  existing: readonly NotifyProfile[],
  current: string,
  ours: (callbackurl: string) => boolean,
): WithingsRepairPlan {
  const have = new Set(existing.filter((p) => p.callbackurl === current).map((p) => p.appli));
  const revoke = existing.filter((p) => p.callbackurl !== current && ours(p.callbackurl));
  const staleApplis = new Set(revoke.map((p) => p.appli));
  const missing = WITHINGS_APPLIS.filter((a) => !have.has(a));
  const replaced = missing.filter((a) => staleApplis.has(a));
  return {
    added: missing.filter((a) => !staleApplis.has(a)).map(String),
    replaced: replaced.map(String),
    removed: [...staleApplis].filter((a) => !(replaced as number[]).includes(a)).map(String),
    revoke,
  };
}

/** Each appli we subscribe and where it stands: on the current URL, only on an old one of ours, or not at all. */
export function viewWithingsSubscriptions(
  existing: readonly NotifyProfile[],
  current: string,
  ours: (callbackurl: string) => boolean,
): SubscriptionView {
  const status = (appli: number): 'current' | 'outdated' | 'missing' => {
    const mine = existing.filter((p) => p.appli === appli && ours(p.callbackurl));
    if (mine.some((p) => p.callbackurl === current)) {
      return 'current';
    }
    return mine.length > 0 ? 'outdated' : 'missing';
  };
  return {
    scope: 'per_user',
    subscriptions: WITHINGS_APPLIS.map((appli) => ({ name: String(appli), status: status(appli) })),
  };
}
