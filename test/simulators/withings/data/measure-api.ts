import { fail, ok, STATUS, type WithingsReply } from '../replies.js';
import { activityDay, INTRADAY_STEP_S, intradayEntry, measureGroups, type MeasureGroup } from './generate.js';
import { localEpochDay, parseYmd } from './profile.js';
import { dataFields, intField, page, type SimDataStore } from './store.js';

/** Small pages so that clients must follow `more`/`offset` even over a few days. */
export const MEASURE_PAGE = 5;
export const ACTIVITY_PAGE = 3;
/** getintradayactivity returns at most 24 h (research A5). */
export const MAX_INTRADAY_S = 86_400;

const IDENTITY_FIELDS = new Set(['date', 'timezone', 'deviceid', 'hash_deviceid', 'brand', 'is_tracker']);
const ENTRY_IDENTITY = new Set(['deviceid', 'model', 'model_id']);

/** POST /measure action=getmeas (research A4). */
export function getmeas(store: SimDataStore, userid: number, form: URLSearchParams): WithingsReply {
  const p = store.profile(userid);
  const now = store.nowMs();
  const lastupdate = intField(form, 'lastupdate');
  const start = intField(form, 'startdate') ?? Math.floor(store.historyStartMs / 1000);
  const end = intField(form, 'enddate') ?? Math.floor(now / 1000);
  const types = measTypes(form);
  const category = intField(form, 'category') ?? 1;
  // Without lastupdate the range selects by measurement date; with it, by modification since then.
  const days = lastupdate === undefined ? store.days(p, start * 1000, end * 1000) : store.days(p, 0, now);
  const generated = days.flatMap((d) => measureGroups(p, d)).filter((g) => store.visible(g.date));
  const selected = [...generated, ...store.addedGroups(userid)]
    .filter((g) => g.category === category)
    .filter((g) => (lastupdate === undefined ? g.date >= start && g.date <= end : g.modified >= lastupdate))
    .map((g): MeasureGroup => ({ ...g, measures: g.measures.filter((m) => !types || types.has(m.type)) }))
    .filter((g) => g.measures.length > 0)
    .sort((a, b) => b.date - a.date || a.grpid - b.grpid);
  const { slice, more, offset } = page(selected, form, MEASURE_PAGE);
  return ok({
    updatetime: Math.floor(now / 1000),
    timezone: p.timezone,
    measuregrps: slice,
    more: more ? 1 : 0,
    offset,
  });
}

function measTypes(form: URLSearchParams): ReadonlySet<number> | undefined {
  const text = form.get('meastypes') ?? form.get('meastype');
  if (text === null || text.trim() === '') {
    return undefined;
  }
  return new Set(text.split(',').map(Number));
}

/** POST /v2/measure action=getactivity: daily aggregates by local date (research A5). */
export function getactivity(store: SimDataStore, userid: number, form: URLSearchParams): WithingsReply {
  const p = store.profile(userid);
  const now = store.nowMs();
  const lastupdate = intField(form, 'lastupdate');
  const first = parseYmd(form.get('startdateymd'));
  const last = parseYmd(form.get('enddateymd'));
  if (lastupdate === undefined && (first === undefined || last === undefined)) {
    return fail(STATUS.invalidParams, 'Invalid Params: startdateymd/enddateymd or lastupdate required');
  }
  const today = localEpochDay(p.timezone, now);
  const historyDay = localEpochDay(p.timezone, store.historyStartMs);
  const fields = dataFields(form);
  const days: number[] = [];
  for (let d = Math.max(first ?? historyDay, historyDay); d <= Math.min(last ?? today, today); d += 1) {
    days.push(d);
  }
  const activities = days
    .map((d) => activityDay(p, d))
    .filter((a) => lastupdate === undefined || Number(a['modified']) >= lastupdate)
    .map((a) => (fields ? pick(a, (k) => IDENTITY_FIELDS.has(k) || k === 'modified' || fields.has(k)) : a));
  const { slice, more, offset } = page(activities, form, ACTIVITY_PAGE);
  return ok({ activities: slice, more, offset });
}

/** POST /v2/measure action=getintradayactivity: sparse series keyed by epoch string (research A5). */
export function getintradayactivity(
  store: SimDataStore,
  userid: number,
  form: URLSearchParams,
): WithingsReply {
  const p = store.profile(userid);
  const start = intField(form, 'startdate');
  const end = intField(form, 'enddate');
  if (start === undefined || end === undefined || end < start) {
    return fail(STATUS.invalidParams, 'Invalid Params: startdate and enddate required');
  }
  if (end - start > MAX_INTRADAY_S) {
    return fail(STATUS.invalidParams, 'Invalid Params: at most 24 h per request');
  }
  const fields = dataFields(form);
  const series: Record<string, Record<string, number | string>> = {};
  for (let t = Math.ceil(start / INTRADAY_STEP_S) * INTRADAY_STEP_S; t <= end; t += INTRADAY_STEP_S) {
    if (!store.visible(t)) {
      continue;
    }
    const entry = intradayEntry(p, t);
    const kept = fields ? pick(entry, (k) => ENTRY_IDENTITY.has(k) || fields.has(k)) : entry;
    if (Object.keys(kept).some((k) => !ENTRY_IDENTITY.has(k))) {
      series[String(t)] = kept;
    }
  }
  return ok({ series });
}

function pick<V>(record: Record<string, V>, keep: (key: string) => boolean): Record<string, V> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => keep(k)));
}
