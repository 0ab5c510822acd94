/**
 * Which windows a sync fetches, per strategy (architecture "Sync Strategy Architecture"). Pure functions: the
 * sync service feeds them SyncState, routed notifications and the clock.
 */
import type { DataType } from '../../common/domain/data-type.js';
import type { TimeWindow } from '../../common/domain/notification.js';
import type { AggregationLevel } from '../../common/domain/records.js';
import type { SyncStrategy } from '../../common/queue/queue-names.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Incremental syncs start this far before the last covered instant; pushes widen both ends by it. */
export const OVERLAP_MS = 15 * MINUTE_MS;
/** Nightly reconciliation re-reads at least this much: late uploads, and Withings never redelivers a miss. */
export const NIGHTLY_LOOKBACK_MS = 2 * DAY_MS;
/** Weekly reconciliation re-reads at least this much (its job normally carries the window itself). */
const WEEKLY_LOOKBACK_MS = 7 * DAY_MS;
/** The reconciling strategies and how far back each reads at least. */
const RECONCILE_LOOKBACK_MS: Partial<Record<SyncStrategy, number>> = {
  nightly: NIGHTLY_LOOKBACK_MS,
  weekly: WEEKLY_LOOKBACK_MS,
};
/** Providers upload late; a deferred hour is synced again this long after it ends (plus the overlap). */
const RESYNC_MARGIN_MS = MINUTE_MS;
/** Routed windows closer than this are fetched as one. */
const MERGE_GAP_MS = HOUR_MS;

/** One fetch the sync makes: these types over this window (before chunking). */
export interface PlannedFetch {
  readonly dataTypes: readonly DataType[];
  readonly window: TimeWindow;
}

/** A notification routed to the link: the data types and window it asks for. */
export interface RoutedWindow {
  readonly dataTypes: readonly DataType[];
  readonly window: TimeWindow;
}

export interface PlanInput {
  readonly strategy: SyncStrategy;
  readonly now: Date;
  readonly dataTypes: readonly DataType[];
  readonly lookbackDays: number;
  /** Per data type, the end of the window scheduled syncs have covered so far. */
  readonly syncedThrough: ReadonlyMap<string, Date>;
  /** An explicit window from the job (initial backfill, weekly reconciliation). */
  readonly explicit?: Partial<TimeWindow>;
  /** Realtime only: the link's routed notifications. */
  readonly routed?: readonly RoutedWindow[];
  readonly aggregation: AggregationLevel;
}

/** The fetches one sync job makes; empty when there is nothing (yet) to fetch. */
export function planSync(input: PlanInput): PlannedFetch[] {
  const fetches =
    input.strategy === 'realtime'
      ? planRealtime(input.routed ?? [], input.dataTypes).map((f) => clampToLookback(f, input))
      : [planScheduled(input)];
  return fetches
    .map((f) => ({ ...f, window: fitWindow(f.window, input.now, input.aggregation) }))
    .filter((f) => f.dataTypes.length > 0 && f.window.start < f.window.end);
}

function planScheduled(input: PlanInput): PlannedFetch {
  const { now, explicit } = input;
  const end = explicit?.end ?? now;
  const backfillStart = new Date(now.getTime() - input.lookbackDays * DAY_MS);
  let start: Date;
  if (explicit?.start !== undefined) {
    start = explicit.start;
  } else if (input.strategy === 'initial') {
    start = backfillStart;
  } else {
    // One window for every type, from the least advanced one: a few extra records re-published (idempotently)
    // cost less than a second series of calls against the provider's quota.
    const covered = input.dataTypes.map((t) => input.syncedThrough.get(t));
    const earliest = covered.some((d) => d === undefined)
      ? backfillStart
      : new Date(Math.min(...covered.map((d) => (d as Date).getTime())) - OVERLAP_MS);
    const reconcile = RECONCILE_LOOKBACK_MS[input.strategy];
    start =
      reconcile === undefined ? earliest : new Date(Math.min(earliest.getTime(), now.getTime() - reconcile));
  }
  return { dataTypes: input.dataTypes, window: { start, end } };
}

/** Each routed window widened by the overlap, merged per data type, then types with equal windows grouped. */
function planRealtime(routed: readonly RoutedWindow[], wanted: readonly DataType[]): PlannedFetch[] {
  const perType = new Map<DataType, TimeWindow[]>();
  for (const r of routed) {
    const widened = {
      start: new Date(r.window.start.getTime() - OVERLAP_MS),
      end: new Date(r.window.end.getTime() + OVERLAP_MS),
    };
    for (const type of r.dataTypes.filter((t) => wanted.includes(t))) {
      perType.set(type, [...(perType.get(type) ?? []), widened]);
    }
  }
  const grouped = new Map<string, { window: TimeWindow; dataTypes: DataType[] }>();
  for (const [type, windows] of perType) {
    for (const window of mergeWindows(windows)) {
      const key = `${window.start.getTime()}-${window.end.getTime()}`;
      const group = grouped.get(key) ?? { window, dataTypes: [] };
      group.dataTypes.push(type);
      grouped.set(key, group);
    }
  }
  return [...grouped.values()].sort((a, b) => a.window.start.getTime() - b.window.start.getTime());
}

/**
 * A pushed window starts where the notification says, and a notification (genuine or forged) may say 1970: never
 * fetch further back than the lookback, or one notification turns into years of chunks against the provider's
 * app-wide quota. Older data is the business of an explicit backfill.
 */
function clampToLookback(fetch: PlannedFetch, input: PlanInput): PlannedFetch {
  const earliest = input.now.getTime() - input.lookbackDays * DAY_MS;
  if (fetch.window.start.getTime() >= earliest) {
    return fetch;
  }
  return { ...fetch, window: { start: new Date(earliest), end: fetch.window.end } };
}

export function mergeWindows(windows: readonly TimeWindow[]): TimeWindow[] {
  const sorted = [...windows].sort((a, b) => a.start.getTime() - b.start.getTime());
  const merged: TimeWindow[] = [];
  for (const w of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && w.start.getTime() <= last.end.getTime() + MERGE_GAP_MS) {
      merged[merged.length - 1] = { start: last.start, end: w.end > last.end ? w.end : last.end };
    } else {
      merged.push(w);
    }
  }
  return merged;
}

/**
 * Never past now. With hourly aggregation only whole, finished hours are fetched: an hour aggregated while still
 * running would be published incomplete under the identifier the complete one needs.
 */
function fitWindow(window: TimeWindow, now: Date, aggregation: AggregationLevel): TimeWindow {
  const end = window.end > now ? now : window.end;
  if (aggregation !== 'HOURLY') {
    return { start: window.start, end };
  }
  const start = Math.floor(window.start.getTime() / HOUR_MS) * HOUR_MS;
  const lastWholeHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { start: new Date(start), end: new Date(Math.min(ceilHour(end.getTime()), lastWholeHour)) };
}

const ceilHour = (ms: number): number => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/** Splits a window into consecutive chunks of at most maxMs, oldest first (hour-aligned windows stay aligned). */
export function chunkWindow(window: TimeWindow, maxMs: number): TimeWindow[] {
  const chunks: TimeWindow[] = [];
  for (let t = window.start.getTime(); t < window.end.getTime(); t += maxMs) {
    chunks.push({ start: new Date(t), end: new Date(Math.min(t + maxMs, window.end.getTime())) });
  }
  return chunks;
}

/**
 * An hourly link publishes only finished hours, so a notification whose (widened) window reaches into the
 * running hour stays routed until a sync after that hour ends.
 */
export function splitDeferred(
  routed: ReadonlyArray<RoutedWindow & { readonly id: string }>,
  aggregation: AggregationLevel,
  now: Date,
): { finished: string[]; resyncAt?: Date } {
  if (aggregation !== 'HOURLY') {
    return { finished: routed.map((r) => r.id) };
  }
  const hourStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const deferred = routed.filter((r) => r.window.end.getTime() + OVERLAP_MS > hourStart);
  const finished = routed.filter((r) => !deferred.includes(r)).map((r) => r.id);
  return deferred.length === 0
    ? { finished }
    : { finished, resyncAt: new Date(hourStart + HOUR_MS + OVERLAP_MS + RESYNC_MARGIN_MS) };
}

/** From the earliest start to the latest end of the plan's fetches of one data type. */
export function spanOf(plan: readonly PlannedFetch[], type: DataType): TimeWindow {
  const mine = plan.filter((p) => p.dataTypes.includes(type));
  return {
    start: new Date(Math.min(...mine.map((p) => p.window.start.getTime()))),
    end: latestEnd(mine),
  };
}

export function latestEnd(plan: readonly PlannedFetch[]): Date {
  return new Date(Math.max(...plan.map((p) => p.window.end.getTime())));
}
