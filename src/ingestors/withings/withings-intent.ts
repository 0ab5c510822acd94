import type { DataType } from '../../common/domain/data-type.js';
import type {
  NotificationIntent,
  NotificationPayload,
  TimeWindow,
} from '../../common/domain/notification.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const USER_EVENT = 46;

/**
 * appli (research A3) → the data types WithingsData delivers for it. 62 (HRV) has no RR intervals: Withings
 * publishes none, only respiratory rate under the name `rr`.
 */
const APPLI_TYPES: ReadonlyMap<number, readonly DataType[]> = new Map<number, readonly DataType[]>([
  [1, ['weight', 'body_fat']],
  [2, ['body_temperature']],
  [4, ['blood_pressure', 'heart_rate', 'spo2']],
  [16, ['steps', 'heart_rate']],
  [44, ['sleep']],
  [54, ['ecg']],
  [62, ['hrv']],
]);

const epochSeconds = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d{1,12}$/.test(text.trim()) ? Number(text) : undefined;

/**
 * The provider's window of a notification: startdate/enddate (epoch s) when both are valid; else the UTC day
 * of `date` (YYYY-MM-DD or epoch s); else the hour before `nowMs`. A zero-length range becomes 1 s, since the
 * window's end is exclusive. The sync engine widens whatever this returns.
 */
export function notificationWindow(payload: NotificationPayload, nowMs: number): TimeWindow {
  const start = epochSeconds(payload['startdate']);
  const end = epochSeconds(payload['enddate']);
  if (start !== undefined && end !== undefined && end >= start) {
    return { start: new Date(start * 1000), end: new Date(Math.max(end, start + 1) * 1000) };
  }
  const date = payload['date']?.trim();
  const dayStart =
    date === undefined
      ? undefined
      : /^\d{4}-\d{2}-\d{2}$/.test(date)
        ? Date.parse(`${date}T00:00:00Z`)
        : epochSeconds(date) === undefined
          ? undefined
          : Math.floor(Number(date) / 86_400) * DAY_MS;
  if (dayStart !== undefined && !Number.isNaN(dayStart)) {
    return { start: new Date(dayStart), end: new Date(dayStart + DAY_MS) };
  }
  return { start: new Date(nowMs - HOUR_MS), end: new Date(nowMs) };
}

/** What one Withings notification (the receiver's stored fields) asks of the sync pipeline. Pure. */
export function interpretWithings(payload: NotificationPayload, nowMs: number): NotificationIntent {
  const appliText = payload['appli']?.trim() ?? '';
  const appli = /^\d+$/.test(appliText) ? Number(appliText) : undefined;
  if (appli === undefined) {
    return { kind: 'ignore', reason: 'notification without a valid appli' };
  }
  if (appli === USER_EVENT) {
    const action = payload['action']?.trim().toLowerCase();
    return action === 'unlink' || action === 'delete'
      ? { kind: 'revoke' }
      : { kind: 'ignore', reason: `appli 46 action ${action ?? '(none)'} is not a consent change` };
  }
  const dataTypes = APPLI_TYPES.get(appli);
  if (dataTypes === undefined) {
    return { kind: 'ignore', reason: `appli ${appli} is not mapped to any data type` };
  }
  return { kind: 'sync', dataTypes, window: notificationWindow(payload, nowMs) };
}
