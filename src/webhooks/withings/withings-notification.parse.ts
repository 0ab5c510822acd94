import type { WithingsNotificationDto } from './withings-notification.dto.js';

type Field = keyof WithingsNotificationDto;

const DIGITS = /^\d{1,20}$/;

/**
 * The rules of WithingsNotificationDto, checked by hand: field, pattern (undefined: every string up to 128
 * characters), required, and whether a JSON number is taken as its string (the DTO's asString transform).
 * withings-notification.parse.spec.ts holds both to the same verdicts.
 */
const RULES: ReadonlyArray<readonly [Field, RegExp | undefined, boolean, boolean]> = [
  ['userid', DIGITS, true, true],
  ['appli', /^\d{1,3}$/, true, true],
  ['startdate', DIGITS, false, true],
  ['enddate', DIGITS, false, true],
  ['date', /^(\d{4}-\d{2}-\d{2}|\d{1,20})$/, false, true],
  ['deviceid', undefined, false, false],
  ['action', /^[a-z_]{1,32}$/, false, false],
];

const MAX_DEVICE_ID = 128;

/**
 * A notification body as the global ValidationPipe would accept it into WithingsNotificationDto (unknown fields
 * dropped, numbers as strings), without class-transformer and class-validator on the hot path. Undefined for
 * anything else, including cases the pipe would accept in its own way (a null field): those go through the
 * controller and its pipe, which answer them as before.
 */
export function parseWithingsNotification(body: unknown): WithingsNotificationDto | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return undefined;
  }
  const fields = body as Readonly<Record<string, unknown>>;
  const out: Partial<Record<Field, string>> = {};
  for (const [field, pattern, required, numeric] of RULES) {
    const raw = fields[field];
    if (raw === undefined) {
      if (required) {
        return undefined;
      }
      continue;
    }
    const value = numeric && typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
    if (typeof value !== 'string') {
      return undefined;
    }
    if (pattern === undefined ? value.length > MAX_DEVICE_ID : !pattern.test(value)) {
      return undefined;
    }
    out[field] = value;
  }
  const { userid, appli } = out;
  return userid === undefined || appli === undefined ? undefined : { ...out, userid, appli };
}
