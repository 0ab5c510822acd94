import type { TimeWindow } from '../../common/domain/notification.js';
import { ValidationError } from '../../common/errors/api-error.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Clients compute "lookback days ago" a moment before we do: a start this close to the limit is still inside. */
const CLOCK_SLACK_MS = MINUTE_MS;

/**
 * The window of an on-demand sync: defaults to the whole lookback (SYNC_INITIAL_LOOKBACK_DAYS up to now). A start
 * before the lookback is refused (older data costs the provider's app-wide quota and is not the service's to
 * re-read on request), as is a start not before the end; a future end is clamped to now and reported. Defaults
 * are whole minutes, so the same default request repeated within a minute is the same window (deduplicated).
 */
export function syncWindowOf(
  body: { readonly start?: string; readonly end?: string },
  lookbackDays: number,
  now: Date,
): { window: TimeWindow; clamped: string[] } {
  const minute = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
  const earliest = new Date(minute.getTime() - lookbackDays * DAY_MS);
  const start = body.start === undefined ? earliest : new Date(body.start);
  const askedEnd = body.end === undefined ? minute : new Date(body.end);
  const end = askedEnd > now ? now : askedEnd;
  if (start.getTime() < earliest.getTime() - CLOCK_SLACK_MS) {
    throw new ValidationError(
      {
        start: [`Must not be before the lookback limit of ${lookbackDays} days (${earliest.toISOString()}).`],
        earliest_start: [earliest.toISOString()],
      },
      'Window beyond the lookback limit',
    );
  }
  if (start >= end) {
    throw new ValidationError({ start: ['Must be before end (and before now).'] }, 'Invalid window');
  }
  const clamped = [...(start < earliest ? ['start'] : []), ...(askedEnd > now ? ['end'] : [])];
  return { window: { start: start < earliest ? earliest : start, end }, clamped };
}
