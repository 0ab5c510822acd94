import { DATA_TYPES } from '../../common/domain/data-type.js';
import type { RefusedResource } from '../../publishers/refusal-isolation.js';

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

/** Refused resources counted per data type, added to `into`. */
export function countRefused(
  refused: readonly RefusedResource[] | undefined,
  into: Record<string, number>,
): void {
  for (const r of refused ?? []) {
    const type = dataTypeOfSystem(r.identifierSystem);
    into[type] = (into[type] ?? 0) + 1;
  }
}
