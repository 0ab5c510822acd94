/**
 * Resumable backfills: which chunks of a sync's plan one job runs. A plan may span weeks of chunks (the initial
 * backfill, a long pushed window); the progress of each data type's window (the end of its last published chunk)
 * is saved in sync_states, so a retried, stalled or continued job starts after it instead of at the window start,
 * and one job runs at most a bounded number of chunks, leaving the rest to a continuation job queued behind other
 * links' work. Pure functions: the sync service feeds them the plan, the saved cursors and the clock.
 */
import type { TimeWindow } from '../../common/domain/notification.js';
import type { AggregationLevel } from '../../common/domain/records.js';
import { chunkWindow, type PlannedFetch } from './sync-plan.js';

/** A saved backfill cursor of one data type: the window it belongs to and how far it got. */
export interface BackfillCursor {
  readonly windowStart: Date;
  readonly doneThrough: Date;
  readonly savedAt: Date;
}

/** One chunk this job fetches, with its place in its window (for the saved progress). */
export interface ChunkStep {
  readonly fetch: PlannedFetch;
  readonly chunk: TimeWindow;
  /** Chunks of this fetch's window that are published once this one is. */
  readonly done: number;
  readonly total: number;
}

export interface BackfillSlice {
  readonly steps: readonly ChunkStep[];
  /** Chunks of the plan left for a continuation job (0: this job finishes the plan). */
  readonly remaining: number;
  /** Chunks published and in all, over the plan's windows, once this job's steps are done. */
  readonly chunksDone: number;
  readonly chunksTotal: number;
}

/**
 * A cursor older than this is not resumed: late uploads into the chunks it skips would otherwise wait for the
 * weekly reconciliation. A job retried or continued within the day resumes.
 */
export const RESUME_MAX_AGE_MS = 24 * 3_600_000;

/**
 * Where a fetch resumes: after the least advanced of its types' cursors, when every type has a fresh cursor whose
 * published range [window start, done through] holds this fetch's start. Not only the very same window: a window
 * derived from the clock (an incremental sync of a type never synced starts at now minus the lookback) starts a
 * little later on each run, and restarting it each time would never finish. Otherwise from the window start.
 */
export function resumePoint(
  fetch: PlannedFetch,
  cursors: ReadonlyMap<string, BackfillCursor>,
  now: Date,
): Date | undefined {
  let point: Date | undefined;
  for (const type of fetch.dataTypes) {
    const c = cursors.get(type);
    if (
      c === undefined ||
      fetch.window.start < c.windowStart ||
      fetch.window.start > c.doneThrough ||
      now.getTime() - c.savedAt.getTime() > RESUME_MAX_AGE_MS
    ) {
      return undefined;
    }
    point = point === undefined || c.doneThrough < point ? c.doneThrough : point;
  }
  return point;
}

/**
 * The chunks this job runs: the plan's chunks oldest first per fetch, minus those already published (ending at or
 * before the resume point), at most `maxChunks` of them. Chunks are cut from the window start, so in the same
 * window a resume point (a chunk end) falls on a chunk boundary; in a window that moved, the chunk holding the
 * resume point is fetched again (idempotently) and every job still publishes at least one chunk past it.
 */
export function sliceBackfill(
  plan: readonly PlannedFetch[],
  chunkMs: number,
  cursors: ReadonlyMap<string, BackfillCursor>,
  maxChunks: number,
  now: Date,
): BackfillSlice {
  const steps: ChunkStep[] = [];
  let remaining = 0;
  let chunksDone = 0;
  let chunksTotal = 0;
  for (const fetch of plan) {
    const chunks = chunkWindow(fetch.window, chunkMs);
    const resume = resumePoint(fetch, cursors, now);
    chunksTotal += chunks.length;
    chunks.forEach((chunk, i) => {
      if (resume !== undefined && chunk.end <= resume) {
        chunksDone += 1;
      } else if (steps.length < maxChunks) {
        steps.push({ fetch, chunk, done: i + 1, total: chunks.length });
        chunksDone += 1;
      } else {
        remaining += 1;
      }
    });
  }
  return { steps, remaining, chunksDone, chunksTotal };
}

/** Records transformed and published together: a few FHIR transactions' worth. */
export const PUBLISH_SLICE = 500;

/**
 * How a chunk's records are published. A week of minute-level data is ~20,000 records: transformed at once, their
 * FHIR resources and bundles would hold a hundred MB of heap at a time, so they go a slice at a time (measured by
 * bench/backfill-rss). Not on hourly links: an hour's aggregate needs every record of the hour in one call (a later
 * call replaces it), and aggregates are few anyway.
 */
export function publishSlices<T>(records: readonly T[], aggregation: AggregationLevel): T[][] {
  if (aggregation === 'HOURLY' || records.length <= PUBLISH_SLICE) {
    return records.length === 0 ? [] : [[...records]];
  }
  const slices: T[][] = [];
  for (let i = 0; i < records.length; i += PUBLISH_SLICE) {
    slices.push(records.slice(i, i + PUBLISH_SLICE));
  }
  return slices;
}
