import { describe, expect, it } from 'vitest';
import type { DataType } from '../../common/domain/data-type.js';
import {
  chunkWindow,
  mergeWindows,
  NIGHTLY_LOOKBACK_MS,
  OVERLAP_MS,
  planSync,
  splitDeferred,
  type PlanInput,
} from './sync-plan.js';

const NOW = new Date('2026-11-22T10:37:00Z');
const at = (iso: string): Date => new Date(iso);
const DAY = 86_400_000;

function plan(overrides: Partial<PlanInput>) {
  return planSync({
    strategy: 'incremental',
    now: NOW,
    dataTypes: ['steps', 'weight'],
    lookbackDays: 30,
    syncedThrough: new Map(),
    aggregation: 'INDIVIDUAL',
    ...overrides,
  }).map((p) => ({
    types: [...p.dataTypes],
    start: p.window.start.toISOString(),
    end: p.window.end.toISOString(),
  }));
}

describe('planSync', () => {
  it.each([
    {
      name: 'initial without a window reaches back SYNC_INITIAL_LOOKBACK_DAYS',
      input: { strategy: 'initial' as const },
      start: new Date(NOW.getTime() - 30 * DAY).toISOString(),
    },
    {
      name: 'initial keeps an explicit (resumed) window start',
      input: { strategy: 'initial' as const, explicit: { start: at('2026-11-20T00:00:00Z') } },
      start: '2026-11-20T00:00:00.000Z',
    },
    {
      name: 'incremental of a never-synced type falls back to the backfill depth',
      input: { syncedThrough: new Map([['steps', at('2026-11-22T09:00:00Z')]]) },
      start: new Date(NOW.getTime() - 30 * DAY).toISOString(),
    },
    {
      name: 'incremental starts 15 minutes before the least advanced type',
      input: {
        syncedThrough: new Map([
          ['steps', at('2026-11-22T09:00:00Z')],
          ['weight', at('2026-11-22T06:00:00Z')],
        ]),
      },
      start: '2026-11-22T05:45:00.000Z',
    },
    {
      name: 'nightly re-reads at least 48 hours',
      input: {
        strategy: 'nightly' as const,
        syncedThrough: new Map([
          ['steps', at('2026-11-22T09:00:00Z')],
          ['weight', at('2026-11-22T09:00:00Z')],
        ]),
      },
      start: new Date(NOW.getTime() - NIGHTLY_LOOKBACK_MS).toISOString(),
    },
    {
      name: 'weekly without its window (the fan-out always gives one) re-reads at least 7 days',
      input: {
        strategy: 'weekly' as const,
        syncedThrough: new Map([
          ['steps', at('2026-11-22T09:00:00Z')],
          ['weight', at('2026-11-22T09:00:00Z')],
        ]),
      },
      start: new Date(NOW.getTime() - 7 * DAY).toISOString(),
    },
  ])('$name', ({ input, start }) => {
    expect(plan(input)).toEqual([{ types: ['steps', 'weight'], start, end: NOW.toISOString() }]);
  });

  it('should widen each routed window by 15 minutes, merge close ones per type and group equal windows', () => {
    const routed = [
      {
        dataTypes: ['steps'] as DataType[],
        window: { start: at('2026-11-22T08:00:00Z'), end: at('2026-11-22T08:10:00Z') },
      },
      {
        dataTypes: ['steps', 'weight'] as DataType[],
        window: { start: at('2026-11-22T08:30:00Z'), end: at('2026-11-22T08:40:00Z') },
      },
      {
        dataTypes: ['weight'] as DataType[],
        window: { start: at('2026-11-19T08:00:00Z'), end: at('2026-11-19T08:01:00Z') },
      },
      {
        dataTypes: ['ecg'] as DataType[],
        window: { start: at('2026-11-22T08:00:00Z'), end: at('2026-11-22T08:01:00Z') },
      },
    ];
    expect(plan({ strategy: 'realtime', routed })).toEqual([
      { types: ['weight'], start: '2026-11-19T07:45:00.000Z', end: '2026-11-19T08:16:00.000Z' },
      { types: ['steps'], start: '2026-11-22T07:45:00.000Z', end: '2026-11-22T08:55:00.000Z' },
      { types: ['weight'], start: '2026-11-22T08:15:00.000Z', end: '2026-11-22T08:55:00.000Z' },
    ]);
  });

  it('should clamp a pushed window to the lookback, however old the start a notification gives', () => {
    const ancient = {
      dataTypes: ['weight' as DataType],
      window: { start: at('1970-01-02T00:00:00Z'), end: NOW },
    };
    expect(plan({ strategy: 'realtime', routed: [ancient] })).toEqual([
      { types: ['weight'], start: new Date(NOW.getTime() - 30 * DAY).toISOString(), end: NOW.toISOString() },
    ]);
    // Wholly older than the lookback: nothing to fetch (scheduled syncs never reach back that far either).
    const old = {
      dataTypes: ['steps' as DataType],
      window: { start: at('2020-01-01T00:00:00Z'), end: at('2020-01-02T00:00:00Z') },
    };
    expect(plan({ strategy: 'realtime', routed: [old] })).toEqual([]);
  });

  it('should never fetch past now, and nothing for a realtime sync without routed rows', () => {
    const routed = [
      {
        dataTypes: ['steps'] as DataType[],
        window: { start: at('2026-11-22T10:30:00Z'), end: at('2026-11-22T10:36:00Z') },
      },
    ];
    expect(plan({ strategy: 'realtime', routed })).toEqual([
      { types: ['steps'], start: '2026-11-22T10:15:00.000Z', end: NOW.toISOString() },
    ]);
    expect(plan({ strategy: 'realtime', routed: [] })).toEqual([]);
  });

  it('should fetch only whole, finished hours for hourly links', () => {
    const routed = [
      {
        dataTypes: ['steps'] as DataType[],
        window: { start: at('2026-11-22T08:20:00Z'), end: at('2026-11-22T08:40:00Z') },
      },
      {
        dataTypes: ['weight'] as DataType[],
        window: { start: at('2026-11-22T10:20:00Z'), end: at('2026-11-22T10:30:00Z') },
      },
    ];
    expect(plan({ strategy: 'realtime', routed, aggregation: 'HOURLY' })).toEqual([
      { types: ['steps'], start: '2026-11-22T08:00:00.000Z', end: '2026-11-22T09:00:00.000Z' },
    ]);
    expect(
      plan({ strategy: 'initial', explicit: { start: at('2026-11-21T22:10:00Z') }, aggregation: 'HOURLY' }),
    ).toEqual([
      { types: ['steps', 'weight'], start: '2026-11-21T22:00:00.000Z', end: '2026-11-22T10:00:00.000Z' },
    ]);
  });
});

describe('mergeWindows and chunkWindow', () => {
  it('should merge overlapping and nearly adjacent windows only', () => {
    const w = (s: string, e: string) => ({ start: at(s), end: at(e) });
    expect(
      mergeWindows([
        w('2026-11-22T05:00:00Z', '2026-11-22T06:00:00Z'),
        w('2026-11-22T01:00:00Z', '2026-11-22T02:00:00Z'),
        w('2026-11-22T02:30:00Z', '2026-11-22T03:00:00Z'),
      ]),
    ).toEqual([
      w('2026-11-22T01:00:00Z', '2026-11-22T03:00:00Z'),
      w('2026-11-22T05:00:00Z', '2026-11-22T06:00:00Z'),
    ]);
  });

  it('should cut a 30-day backfill into day chunks, oldest first, covering the window exactly', () => {
    const window = { start: at('2026-10-23T10:37:00Z'), end: NOW };
    const chunks = chunkWindow(window, DAY);
    expect(chunks).toHaveLength(30);
    expect(chunks[0]?.start).toEqual(window.start);
    expect(chunks.at(-1)?.end).toEqual(NOW);
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i]?.start).toEqual(chunks[i - 1]?.end);
    }
    expect(OVERLAP_MS).toBe(15 * 60_000);
  });
});

describe('splitDeferred', () => {
  const row = (id: string, start: string, end: string) => ({
    id,
    dataTypes: ['steps'] as DataType[],
    window: { start: at(start), end: at(end) },
  });
  const rows = [
    row('old', '2026-11-22T08:00:00Z', '2026-11-22T08:30:00Z'),
    row('now', '2026-11-22T09:50:00Z', '2026-11-22T10:20:00Z'),
  ];

  it('should finish every routed row of an individual link', () => {
    expect(splitDeferred(rows, 'INDIVIDUAL', NOW)).toEqual({ finished: ['old', 'now'] });
  });

  it('should keep rows reaching into the running hour of an hourly link and resync after that hour', () => {
    expect(splitDeferred(rows, 'HOURLY', NOW)).toEqual({
      finished: ['old'],
      resyncAt: new Date('2026-11-22T11:16:00Z'),
    });
  });
});
