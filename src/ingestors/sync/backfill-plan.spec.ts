import { describe, expect, it } from 'vitest';
import type { DataType } from '../../common/domain/data-type.js';
import {
  PUBLISH_SLICE,
  publishSlices,
  RESUME_MAX_AGE_MS,
  resumePoint,
  sliceBackfill,
  type BackfillCursor,
} from './backfill-plan.js';
import type { PlannedFetch } from './sync-plan.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-22T10:00:00Z');
const START = new Date(NOW.getTime() - 10 * DAY);

const fetchOf = (types: DataType[], start = START, end = NOW): PlannedFetch => ({
  dataTypes: types,
  window: { start, end },
});

const cursor = (doneThrough: Date, windowStart = START, savedAt = NOW): BackfillCursor => ({
  windowStart,
  doneThrough,
  savedAt,
});

const days = (n: number): Date => new Date(START.getTime() + n * DAY);
const starts = (steps: ReturnType<typeof sliceBackfill>['steps']): string[] =>
  steps.map((s) => s.chunk.start.toISOString());

describe('sliceBackfill', () => {
  it('should run every chunk in one job when the window is within the budget', () => {
    const slice = sliceBackfill([fetchOf(['steps'])], DAY, new Map(), 20, NOW);
    expect(slice.steps).toHaveLength(10);
    expect(slice).toMatchObject({ remaining: 0, chunksDone: 10, chunksTotal: 10 });
    expect(slice.steps.at(-1)).toMatchObject({ done: 10, total: 10 });
  });

  it('should split a large window into bounded jobs, oldest chunks first', () => {
    const first = sliceBackfill([fetchOf(['steps'])], DAY, new Map(), 4, NOW);
    expect(starts(first.steps)).toEqual([0, 1, 2, 3].map((n) => days(n).toISOString()));
    expect(first).toMatchObject({ remaining: 6, chunksDone: 4, chunksTotal: 10 });
  });

  it('should resume after the last published chunk and count the earlier ones as done', () => {
    const cursors = new Map([['steps', cursor(days(4))]]);
    const next = sliceBackfill([fetchOf(['steps'])], DAY, cursors, 4, NOW);
    expect(starts(next.steps)).toEqual([4, 5, 6, 7].map((n) => days(n).toISOString()));
    expect(next.steps[0]).toMatchObject({ done: 5, total: 10 });
    expect(next).toMatchObject({ remaining: 2, chunksDone: 8 });
    const last = sliceBackfill([fetchOf(['steps'])], DAY, new Map([['steps', cursor(days(8))]]), 4, NOW);
    expect(last).toMatchObject({ remaining: 0, chunksDone: 10 });
    expect(last.steps).toHaveLength(2);
  });

  it('should run nothing for a window whose every chunk is published (a crash before the state write)', () => {
    const slice = sliceBackfill([fetchOf(['steps'])], DAY, new Map([['steps', cursor(NOW)]]), 4, NOW);
    expect(slice).toMatchObject({ steps: [], remaining: 0, chunksDone: 10, chunksTotal: 10 });
  });

  it('should spread the budget over several fetches in plan order', () => {
    const a = fetchOf(['weight'], days(0), days(2));
    const b = fetchOf(['steps'], days(5), days(8));
    const slice = sliceBackfill([a, b], DAY, new Map(), 3, NOW);
    expect(slice.steps.map((s) => s.fetch)).toEqual([a, a, b]);
    expect(slice).toMatchObject({ remaining: 2, chunksTotal: 5 });
  });
});

describe('resumePoint', () => {
  const fetch = fetchOf(['steps', 'weight']);

  it('should resume from the least advanced type', () => {
    const cursors = new Map([
      ['steps', cursor(days(6))],
      ['weight', cursor(days(3))],
    ]);
    expect(resumePoint(fetch, cursors, NOW)).toEqual(days(3));
  });

  it('should resume a window whose start moved within the published range (a clock-derived start)', () => {
    const later = fetchOf(['steps', 'weight'], new Date(START.getTime() + 3_600_000));
    const cursors = new Map([
      ['steps', cursor(days(6))],
      ['weight', cursor(days(4))],
    ]);
    expect(resumePoint(later, cursors, NOW)).toEqual(days(4));
    const slice = sliceBackfill([later], DAY, cursors, 2, NOW);
    // The chunk holding the resume point is fetched again, then the next one: progress past the cursor.
    expect(slice.steps.map((s) => s.chunk.end.getTime() > days(4).getTime())).toEqual([true, true]);
    expect(slice.steps[0]?.chunk.start.getTime()).toBeLessThan(days(4).getTime());
  });

  it.each([
    { name: 'a type has no cursor', cursors: new Map([['steps', cursor(days(6))]]) },
    {
      name: 'a cursor belongs to a later window',
      cursors: new Map([
        ['steps', cursor(days(6))],
        ['weight', cursor(days(6), days(1))],
      ]),
    },
    {
      name: 'a cursor is stale',
      cursors: new Map([
        ['steps', cursor(days(6))],
        ['weight', cursor(days(6), START, new Date(NOW.getTime() - RESUME_MAX_AGE_MS - 1))],
      ]),
    },
  ])('should start over when $name', ({ cursors }) => {
    expect(resumePoint(fetch, cursors, NOW)).toBeUndefined();
  });
});

describe('publishSlices', () => {
  const records = Array.from({ length: 2 * PUBLISH_SLICE + 1 }, (_, i) => i);

  it('should publish a large chunk a slice at a time, every record once, in order', () => {
    const slices = publishSlices(records, 'INDIVIDUAL');
    expect(slices.map((s) => s.length)).toEqual([PUBLISH_SLICE, PUBLISH_SLICE, 1]);
    expect(slices.flat()).toEqual(records);
  });

  it('should keep the chunk of an hourly link whole: an hour split across calls would lose records', () => {
    expect(publishSlices(records, 'HOURLY')).toEqual([records]);
  });

  it('should publish nothing for an empty chunk', () => {
    expect(publishSlices([], 'INDIVIDUAL')).toEqual([]);
  });
});
