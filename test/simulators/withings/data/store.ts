import { DAY_MS } from '../../shared/clock.js';
import { group, type MeasureGroup } from './generate.js';
import { localEpochDay, userProfile, type SimDevice, type UserProfile } from './profile.js';

/** A measurement a test places at an exact time, to find it again at the FHIR server. */
export interface AddedMeasureGroup {
  /** When it was taken (epoch seconds or a Date). */
  readonly date: number | Date;
  readonly measures: ReadonlyArray<{ readonly type: number; readonly value: number; readonly unit: number }>;
  /** Which of the user's devices took it; `none` for a manual entry (attrib 2, no deviceid). */
  readonly device?: 'scale' | 'bpm' | 'watch' | 'thermometer' | 'none';
}

/** How long a history every sandbox user has, counted back from when the simulator started. */
export const HISTORY_DAYS = 90;

/**
 * Everything the data handlers read: per-user profiles (pure functions of the seed), the clock, the history
 * window, and the groups tests added. Nothing generated is stored; it is recomputed per request.
 */
export class SimDataStore {
  private readonly profiles = new Map<number, UserProfile>();
  private readonly added = new Map<number, MeasureGroup[]>();
  private nextGrpid = 7_000_000_001;
  readonly historyStartMs: number;

  constructor(
    private readonly seed: string,
    private readonly now: () => number,
  ) {
    this.historyStartMs = now() - HISTORY_DAYS * DAY_MS;
  }

  nowMs(): number {
    return this.now();
  }

  profile(userid: number): UserProfile {
    let p = this.profiles.get(userid);
    if (!p) {
      p = userProfile(this.seed, userid);
      this.profiles.set(userid, p);
    }
    return p;
  }

  addGroup(userid: number, spec: AddedMeasureGroup): MeasureGroup {
    const p = this.profile(userid);
    const date = spec.date instanceof Date ? Math.floor(spec.date.getTime() / 1000) : spec.date;
    const device: SimDevice | undefined =
      spec.device === 'none' ? undefined : p[spec.device ?? deviceFor(spec.measures[0]?.type ?? 1)];
    const measures = spec.measures.map((m) => ({ ...m, algo: 0, fm: 3 }));
    const added = group(this.nextGrpid++, date, device, measures, device ? 0 : 2);
    this.added.set(userid, [...(this.added.get(userid) ?? []), added]);
    return added;
  }

  addedGroups(userid: number): readonly MeasureGroup[] {
    return this.added.get(userid) ?? [];
  }

  /** Local civil days of the user's history that may hold data in [startMs, endMs] (one day of slack each side). */
  days(p: UserProfile, startMs: number, endMs: number): number[] {
    const first = Math.max(
      localEpochDay(p.timezone, startMs) - 1,
      localEpochDay(p.timezone, this.historyStartMs),
    );
    const last = Math.min(localEpochDay(p.timezone, endMs) + 1, localEpochDay(p.timezone, this.now()));
    const out: number[] = [];
    for (let d = first; d <= last; d += 1) {
      out.push(d);
    }
    return out;
  }

  /** Generated data exists only inside the history window and never in the simulated future. */
  visible(epochS: number): boolean {
    const ms = epochS * 1000;
    return ms >= this.historyStartMs && ms < this.now();
  }
}

function deviceFor(type: number): 'scale' | 'bpm' | 'watch' | 'thermometer' {
  if (type === 9 || type === 10) {
    return 'bpm';
  }
  if (type === 12 || type === 71) {
    return 'thermometer';
  }
  return type === 54 || type === 73 ? 'watch' : 'scale';
}

/** Integer form field, undefined when absent or malformed. */
export function intField(form: URLSearchParams, name: string): number | undefined {
  const text = form.get(name);
  if (text === null || !/^-?\d+$/.test(text.trim())) {
    return undefined;
  }
  return Number(text);
}

/** One page of a list and the offset of the next, the way every paged Withings service reports it. */
export function page<T>(items: readonly T[], form: URLSearchParams, size: number) {
  const offset = Math.max(0, intField(form, 'offset') ?? 0);
  const slice = items.slice(offset, offset + size);
  const more = offset + size < items.length;
  return { slice, more, offset: more ? offset + size : 0 };
}

/** `data_fields=a,b` as a set, or undefined (all fields) when absent. */
export function dataFields(form: URLSearchParams): ReadonlySet<string> | undefined {
  const text = form.get('data_fields');
  return text === null || text.trim() === '' ? undefined : new Set(text.split(',').map((s) => s.trim()));
}
