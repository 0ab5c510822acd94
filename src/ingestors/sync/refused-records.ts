import { DATA_TYPES } from '../../common/domain/data-type.js';
import type { RefusedResource } from '../../publishers/refusal-isolation.js';

/** The reason kept for a FHIR server's 422 (a refusal without a reason of its own). */
export const FHIR_REJECTED = 'fhir_rejected';

/** Refused records per data type, then per reason. */
export type RefusalTally = Record<string, Record<string, number>>;

/**
 * The data type a refused resource belongs to, from the last segment of its identifier system
 * (`…/identifier/<provider>/<type>`): the type itself, or the type it derives from (`ecg-heart-rate` is ECG's).
 */
export function dataTypeOfSystem(system: string): string {
  const segment = system.slice(system.lastIndexOf('/') + 1);
  const owner = DATA_TYPES.filter((t) => segment === t || segment.startsWith(`${t}-`)).sort(
    (a, b) => b.length - a.length,
  )[0];
  return owner ?? 'unknown';
}

/** Refused resources counted per data type and reason, added to `into`. */
export function countRefused(refused: readonly RefusedResource[] | undefined, into: RefusalTally): void {
  for (const r of refused ?? []) {
    const type = dataTypeOfSystem(r.identifierSystem);
    const reasons = (into[type] ??= {});
    const reason = r.reason ?? FHIR_REJECTED;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
}

/**
 * What one data type's refusals mean for its sync state. A FHIR server's 422 is final (the window counts as synced,
 * re-fetching would be refused again); a JupyterHealth Exchange's refusals are kept for a re-sync, with one reason:
 * consent_missing when any was, since granting consent is what a re-sync waits for.
 */
export function refusalsOf(counts: Readonly<Record<string, number>> | undefined): {
  fhirRejected: number;
  jhe: { records: number; reason: string | null };
  jheByReason: [string, number][];
} {
  const entries = Object.entries(counts ?? {});
  const jhe = entries.filter(([reason]) => reason !== FHIR_REJECTED);
  const records = jhe.reduce((sum, [, n]) => sum + n, 0);
  const reason =
    records === 0
      ? null
      : jhe.some(([r]) => r === 'consent_missing')
        ? 'consent_missing'
        : (jhe[0]?.[0] ?? null);
  return { fhirRejected: counts?.[FHIR_REJECTED] ?? 0, jhe: { records, reason }, jheByReason: jhe };
}
