import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../common/errors/api-error.js';
import { syncWindowOf } from './sync-window.js';

const NOW = new Date('2026-11-22T10:30:45.123Z');
const DAY_MS = 86_400_000;

describe('syncWindowOf', () => {
  it('should default to the lookback up to now, in whole minutes so repeats are the same window', () => {
    expect(syncWindowOf({}, 2, NOW)).toEqual({
      window: { start: new Date('2026-11-20T10:30:00.000Z'), end: new Date('2026-11-22T10:30:00.000Z') },
      clamped: [],
    });
  });

  it('should clamp a future end to now and say so', () => {
    const out = syncWindowOf({ start: '2026-11-22T00:00:00Z', end: '2026-12-01T00:00:00Z' }, 2, NOW);
    expect(out).toEqual({ window: { start: new Date('2026-11-22T00:00:00Z'), end: NOW }, clamped: ['end'] });
  });

  it('should clamp a start a few seconds before the limit and refuse one further back', () => {
    const limit = new Date('2026-11-20T10:30:00.000Z');
    const near = syncWindowOf({ start: new Date(limit.getTime() - 5_000).toISOString() }, 2, NOW);
    expect(near).toMatchObject({ window: { start: limit }, clamped: ['start'] });
    expect(() => syncWindowOf({ start: new Date(NOW.getTime() - 3 * DAY_MS).toISOString() }, 2, NOW)).toThrow(
      ValidationError,
    );
  });

  it('should refuse a start at or after the end', () => {
    expect(() =>
      syncWindowOf({ start: '2026-11-22T00:00:00Z', end: '2026-11-21T00:00:00Z' }, 2, NOW),
    ).toThrow(ValidationError);
  });
});
