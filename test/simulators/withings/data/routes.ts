import type { WithingsReply } from '../replies.js';
import { getdevice, heartGet, heartList, sleepSummary } from './heart-sleep-api.js';
import { getactivity, getintradayactivity, getmeas } from './measure-api.js';
import type { SimDataStore } from './store.js';

type DataHandler = (store: SimDataStore, userid: number, form: URLSearchParams) => WithingsReply;

/** Data services on the API host, keyed by `<path> <action>` (research E: one POST handler per path). */
export const DATA_ROUTES: ReadonlyMap<string, DataHandler> = new Map<string, DataHandler>([
  ['/measure getmeas', getmeas],
  ['/v2/measure getactivity', getactivity],
  ['/v2/measure getintradayactivity', getintradayactivity],
  ['/v2/heart list', heartList],
  ['/v2/heart get', heartGet],
  ['/v2/sleep getsummary', sleepSummary],
  ['/v2/user getdevice', (store, userid) => getdevice(store, userid)],
]);

export const DATA_PATHS: ReadonlySet<string> = new Set([
  '/measure',
  '/v2/measure',
  '/v2/heart',
  '/v2/user',
  '/v2/sleep',
]);
