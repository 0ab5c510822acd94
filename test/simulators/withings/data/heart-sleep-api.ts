import { fail, ok, STATUS, type WithingsReply } from '../replies.js';
import { decodeSignalId, ECG_HZ, ecgOfDay, ecgSignal, sleepOfDay, type EcgEntry } from './generate.js';
import { allDevices, localEpochDay, localMidnightMs, parseYmd } from './profile.js';
import { dataFields, intField, page, type SimDataStore } from './store.js';

export const HEART_PAGE = 2;
export const SLEEP_PAGE = 3;

/** POST /v2/heart action=list (research A6). */
export function heartList(store: SimDataStore, userid: number, form: URLSearchParams): WithingsReply {
  const p = store.profile(userid);
  const start = intField(form, 'startdate') ?? Math.floor(store.historyStartMs / 1000);
  const end = intField(form, 'enddate') ?? Math.floor(store.nowMs() / 1000);
  const series = store
    .days(p, start * 1000, end * 1000)
    .map((d) => ecgOfDay(p, d))
    .filter((e): e is EcgEntry => e !== undefined && store.visible(e.timestamp))
    .filter((e) => e.timestamp >= start && e.timestamp <= end)
    .sort((a, b) => b.timestamp - a.timestamp);
  const { slice, more, offset } = page(series, form, HEART_PAGE);
  return ok({ series: slice, more, offset });
}

/** POST /v2/heart action=get signalid=…: the raw samples in µV (research A6). */
export function heartGet(store: SimDataStore, userid: number, form: URLSearchParams): WithingsReply {
  const id = intField(form, 'signalid');
  const owner = id === undefined ? undefined : decodeSignalId(id);
  const p = store.profile(userid);
  const entry = owner && owner.userid === userid ? ecgOfDay(p, owner.day) : undefined;
  if (!owner || !entry || !store.visible(entry.timestamp)) {
    return fail(STATUS.invalidParams, 'Invalid Params: unknown signalid');
  }
  return ok({
    signal: ecgSignal(p, owner.day, entry.heart_rate),
    sampling_frequency: ECG_HZ,
    wearposition: 1,
    model: entry.model,
    heart_rate: entry.heart_rate,
  });
}

/** POST /v2/sleep action=getsummary: one series entry per night, selected by its (wake-up) local date. */
export function sleepSummary(store: SimDataStore, userid: number, form: URLSearchParams): WithingsReply {
  const p = store.profile(userid);
  const now = store.nowMs();
  const lastupdate = intField(form, 'lastupdate');
  const first = parseYmd(form.get('startdateymd'));
  const last = parseYmd(form.get('enddateymd'));
  if (lastupdate === undefined && (first === undefined || last === undefined)) {
    return fail(STATUS.invalidParams, 'Invalid Params: startdateymd/enddateymd or lastupdate required');
  }
  const fields = dataFields(form);
  const historyDay = localEpochDay(p.timezone, store.historyStartMs);
  const nights: Array<Record<string, unknown>> = [];
  for (
    let d = Math.max(first ?? historyDay, historyDay);
    d <= (last ?? localEpochDay(p.timezone, now));
    d += 1
  ) {
    const night = sleepOfDay(p, d);
    const ended = Number(night['enddate']);
    if (ended * 1000 < now && (lastupdate === undefined || Number(night['modified']) >= lastupdate)) {
      nights.push(fields ? { ...night, data: pickData(night['data'], fields) } : night);
    }
  }
  const { slice, more, offset } = page(nights, form, SLEEP_PAGE);
  return ok({ series: slice, more, offset });
}

function pickData(data: unknown, fields: ReadonlySet<string>): Record<string, unknown> {
  const entries = Object.entries(data as Record<string, unknown>);
  return Object.fromEntries(entries.filter(([k]) => fields.has(k)));
}

/** POST /v2/user action=getdevice (research A7). */
export function getdevice(store: SimDataStore, userid: number): WithingsReply {
  const p = store.profile(userid);
  const nowS = Math.floor(store.nowMs() / 1000);
  const firstSession = Math.floor(store.historyStartMs / 1000);
  const todayStart = Math.floor(localMidnightMs(p.timezone, localEpochDay(p.timezone, store.nowMs())) / 1000);
  return ok({
    devices: allDevices(p).map((d, i) => ({
      type: d.type,
      battery: d.battery,
      model: d.model,
      model_id: d.modelId,
      timezone: p.timezone,
      first_session_date: firstSession,
      // Each device last synced at a different, fixed point earlier today (or at now if today just began).
      last_session_date: Math.min(nowS, todayStart + 3600 * (i + 1)),
      deviceid: d.deviceid,
      hash_deviceid: d.deviceid,
      fw: d.fw,
    })),
  });
}
