import { createHash } from 'node:crypto';
import { ValidationError } from '../../common/errors/api-error.js';

/** Google's batches hold up to 99 envelopes (research §4); anything far beyond is not Google. */
export const MAX_ENVELOPES = 100;

const OPERATIONS = ['UPSERT', 'DELETE'] as const;
export type GoogleOperation = (typeof OPERATIONS)[number];

const DATA_TYPE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_ID_LENGTH = 128;

/** One validated notification envelope: only what the inbox keeps, plus the key that dedups retries. */
export interface GoogleNotification {
  readonly healthUserId: string;
  readonly operation: GoogleOperation;
  readonly dataType: string;
  /** Earliest interval start / latest interval end, as Google wrote them; undefined without intervals. */
  readonly startTime: string | undefined;
  readonly endTime: string | undefined;
  readonly intervalCount: number;
  readonly dedupKey: string;
}

/** JSON with object keys sorted at every level: equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  // Parsed JSON holds no functions or symbols; undefined (no JSON text of its own) is written as null.
  return value === undefined ? 'null' : JSON.stringify(value);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a body is Google's verification handshake rather than a notification. */
export function isVerificationRequest(body: unknown): boolean {
  return isRecord(body) && body['type'] === 'verification';
}

type Problems = Record<string, string[]>;

function add(problems: Problems, field: string, message: string): void {
  (problems[field] ??= []).push(message);
}

function timeBounds(
  intervals: unknown,
  path: string,
  problems: Problems,
): { start?: string; end?: string; count: number } {
  if (intervals === undefined) {
    return { count: 0 };
  }
  if (!Array.isArray(intervals)) {
    add(problems, `${path}.intervals`, 'must be an array');
    return { count: 0 };
  }
  let start: { text: string; ms: number } | undefined;
  let end: { text: string; ms: number } | undefined;
  intervals.forEach((interval: unknown, i) => {
    const physical = isRecord(interval) ? interval['physicalTimeInterval'] : undefined;
    if (!isRecord(physical)) {
      add(problems, `${path}.intervals[${i}].physicalTimeInterval`, 'is required');
      return;
    }
    for (const [field, bound] of [
      ['startTime', 'start'],
      ['endTime', 'end'],
    ] as const) {
      const text = physical[field];
      const ms = typeof text === 'string' && text.length <= 40 ? Date.parse(text) : Number.NaN;
      if (typeof text !== 'string' || Number.isNaN(ms)) {
        add(problems, `${path}.intervals[${i}].physicalTimeInterval.${field}`, 'must be an RFC 3339 time');
        continue;
      }
      if (bound === 'start' && (start === undefined || ms < start.ms)) {
        start = { text, ms };
      }
      if (bound === 'end' && (end === undefined || ms > end.ms)) {
        end = { text, ms };
      }
    }
  });
  return { start: start?.text, end: end?.text, count: intervals.length };
}

function parseEnvelope(envelope: unknown, path: string, problems: Problems): GoogleNotification | undefined {
  const data = isRecord(envelope) ? envelope['data'] : undefined;
  if (!isRecord(data)) {
    add(problems, `${path}.data`, 'is required');
    return undefined;
  }
  const before = Object.keys(problems).length;
  const { healthUserId, operation, dataType } = data;
  if (typeof healthUserId !== 'string' || healthUserId === '' || healthUserId.length > MAX_ID_LENGTH) {
    add(problems, `${path}.data.healthUserId`, 'is required (a non-empty string)');
  }
  if (typeof operation !== 'string' || !(OPERATIONS as readonly string[]).includes(operation)) {
    add(problems, `${path}.data.operation`, 'must be UPSERT or DELETE');
  }
  if (typeof dataType !== 'string' || dataType.length > 64 || !DATA_TYPE.test(dataType)) {
    add(problems, `${path}.data.dataType`, 'is required (a kebab-case data type)');
  }
  const bounds = timeBounds(data['intervals'], `${path}.data`, problems);
  if (Object.keys(problems).length > before) {
    return undefined;
  }
  return {
    healthUserId: healthUserId as string,
    operation: operation as GoogleOperation,
    dataType: dataType as string,
    startTime: bounds.start,
    endTime: bounds.end,
    intervalCount: bounds.count,
    dedupKey: createHash('sha256').update(canonicalJson(data)).digest('hex'),
  };
}

/**
 * Validates a notification body: a JSON array of envelopes (live traffic) or one envelope (the guide's shape).
 * Any bad envelope refuses the whole request with 400 listing every problem, so nothing is half stored.
 */
export function parseGoogleNotifications(body: unknown): GoogleNotification[] {
  const envelopes: unknown[] = Array.isArray(body) ? body : [body];
  if (envelopes.length > MAX_ENVELOPES) {
    throw ValidationError.field('body', `at most ${MAX_ENVELOPES} envelopes per request`);
  }
  const problems: Problems = {};
  const parsed = envelopes.map((e, i) => parseEnvelope(e, Array.isArray(body) ? `[${i}]` : 'body', problems));
  if (Object.keys(problems).length > 0) {
    throw new ValidationError(problems);
  }
  return parsed.filter((n): n is GoogleNotification => n !== undefined);
}

/** The inbox payload of one notification: strings only, and no health values (Google sends none). */
export function googlePayload(n: GoogleNotification): Record<string, string> {
  const payload: Record<string, string> = {
    healthUserId: n.healthUserId,
    operation: n.operation,
    dataType: n.dataType,
    intervals: String(n.intervalCount),
  };
  if (n.startTime !== undefined && n.endTime !== undefined) {
    payload['startTime'] = n.startTime;
    payload['endTime'] = n.endTime;
  }
  return payload;
}
