import { DAY_MS } from '../../shared/clock.js';
import type { TimeKind, TypeInfo } from './catalog.js';
import type { WirePoint } from './wire.js';

/**
 * The AIP-160 subset the Health API documents for dataPoints (research §2): `<snake_type>.<field> >= "v"` and
 * `< "v"` joined by AND (sleep also OR). Anything else is INVALID_ARGUMENT, as Google answers.
 */
type Op = '>=' | '<';
type Field =
  | 'interval.start_time'
  | 'interval.civil_start_time'
  | 'interval.end_time'
  | 'interval.civil_end_time'
  | 'sample_time.physical_time'
  | 'sample_time.civil_time'
  | 'date';

interface Clause {
  readonly field: Field;
  readonly op: Op;
  /** Instants as epoch ms; civil values as `YYYY-MM-DDTHH:MM:SS`; dates as `YYYY-MM-DD`. */
  readonly value: number | string;
}

export interface Filter {
  /** Disjunction of conjunctions; empty means "no filter". */
  readonly any: readonly (readonly Clause[])[];
}

export type Parsed = { ok: true; filter: Filter } | { ok: false; message: string };

const FIELDS: Readonly<Record<TimeKind, readonly Field[]>> = {
  interval: ['interval.start_time', 'interval.civil_start_time'],
  sample: ['sample_time.physical_time', 'sample_time.civil_time'],
  daily: ['date'],
  sleep: ['interval.end_time', 'interval.civil_end_time'],
  ecg: ['interval.start_time'],
};

const CLAUSE = /^([a-z0-9_]+)\.([a-z_.]+)\s*(>=|<)\s*"([^"]*)"$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const CIVIL = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function parseFilter(text: string | null, type: TypeInfo): Parsed {
  if (text === null || text.trim() === '') {
    return { ok: true, filter: { any: [] } };
  }
  const any: Clause[][] = [];
  const disjuncts = text.trim().split(/\s+OR\s+/);
  if (disjuncts.length > 1 && type.kind !== 'sleep') {
    return { ok: false, message: `OR is not supported in filters on ${type.snake}.` };
  }
  for (const disjunct of disjuncts) {
    const clauses: Clause[] = [];
    for (const part of disjunct.split(/\s+AND\s+/)) {
      const clause = parseClause(part.trim(), type);
      if (typeof clause === 'string') {
        return { ok: false, message: clause };
      }
      clauses.push(clause);
    }
    any.push(clauses);
  }
  return { ok: true, filter: { any } };
}

function parseClause(text: string, type: TypeInfo): Clause | string {
  const m = CLAUSE.exec(text);
  if (!m) {
    return `Invalid filter syntax near '${text}'.`;
  }
  const [, snake = '', path = '', op = '', raw = ''] = m;
  if (snake !== type.snake) {
    return `Filter names data type '${snake}' but the request is for '${type.snake}'.`;
  }
  const field = FIELDS[type.kind].find((f) => f === path);
  if (field === undefined || (type.kind === 'ecg' && op !== '>=')) {
    return `Unsupported filter field or operator for ${type.snake}: ${path} ${op}.`;
  }
  const value = parseValue(field, raw);
  return value === undefined
    ? `Invalid value "${raw}" for ${snake}.${path}.`
    : { field, op: op as Op, value };
}

function parseValue(field: Field, raw: string): number | string | undefined {
  if (field === 'date') {
    return DATE.test(raw) && !Number.isNaN(Date.parse(raw)) ? raw : undefined;
  }
  if (field.includes('civil')) {
    const m = CIVIL.exec(raw);
    return m ? `${m[1] ?? ''}T${m[2] ?? '00'}:${m[3] ?? '00'}:${m[4] ?? '00'}` : undefined;
  }
  const ms = INSTANT.test(raw) ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

export function matches(filter: Filter, point: WirePoint, type: TypeInfo): boolean {
  if (filter.any.length === 0) {
    return true;
  }
  return filter.any.some((clauses) =>
    clauses.every((c) => {
      const actual = fieldValue(point, type, c.field);
      if (actual === undefined) {
        return false;
      }
      return c.op === '>=' ? actual >= c.value : actual < c.value;
    }),
  );
}

/** Instant bounds wide enough to hold every match; civil values may sit up to a day from their instant. */
export function bounds(filter: Filter): { from?: number; to?: number } {
  let from: number | undefined = Number.POSITIVE_INFINITY;
  let to: number | undefined = Number.NEGATIVE_INFINITY;
  for (const clauses of filter.any) {
    const lower = clauses.filter((c) => c.op === '>=').map((c) => asInstant(c.value) - DAY_MS);
    const upper = clauses.filter((c) => c.op === '<').map((c) => asInstant(c.value) + DAY_MS);
    from = from === undefined || lower.length === 0 ? undefined : Math.min(from, Math.max(...lower));
    to = to === undefined || upper.length === 0 ? undefined : Math.max(to, Math.min(...upper));
  }
  if (filter.any.length === 0) {
    return {};
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

const asInstant = (value: number | string): number =>
  typeof value === 'number' ? value : Date.parse(`${value.length === 10 ? `${value}T00:00:00` : value}Z`);

type Body = Record<string, unknown>;
const rec = (v: unknown): Body => (typeof v === 'object' && v !== null ? (v as Body) : {});

/** The value a filter field names on one point, in the comparable form parseValue produces. */
export function fieldValue(point: WirePoint, type: TypeInfo, field: Field): number | string | undefined {
  const body = rec(point[type.field]);
  if (field === 'date') {
    const d = rec(body['date']);
    return typeof d['year'] === 'number' ? ymd(d) : undefined;
  }
  const [holder, leaf] = field.split('.') as [string, string];
  const container = rec(body[holder === 'interval' ? 'interval' : 'sampleTime']);
  if (leaf.startsWith('civil')) {
    const key = { civil_start_time: 'civilStartTime', civil_end_time: 'civilEndTime' }[leaf] ?? 'civilTime';
    const civil = rec(container[key]);
    const t = rec(civil['time']);
    const two = (v: unknown): string => String(typeof v === 'number' ? v : 0).padStart(2, '0');
    return civil['date'] === undefined
      ? undefined
      : `${ymd(rec(civil['date']))}T${two(t['hours'])}:${two(t['minutes'])}:${two(t['seconds'])}`;
  }
  const key = { start_time: 'startTime', end_time: 'endTime' }[leaf] ?? 'physicalTime';
  const raw = container[key];
  return typeof raw === 'string' ? Date.parse(raw) : undefined;
}

function ymd(d: Body): string {
  const pad = (v: unknown, n: number): string => String(typeof v === 'number' ? v : 0).padStart(n, '0');
  return `${pad(d['year'], 4)}-${pad(d['month'], 2)}-${pad(d['day'], 2)}`;
}

/** Descending by interval start, sample time or date: the order list and reconcile answer in. */
export function sortKey(point: WirePoint, type: TypeInfo): number {
  const field: Field =
    type.kind === 'daily'
      ? 'date'
      : type.kind === 'sample'
        ? 'sample_time.physical_time'
        : 'interval.start_time';
  const value = fieldValue(point, type, field);
  return value === undefined ? 0 : asInstant(value);
}
