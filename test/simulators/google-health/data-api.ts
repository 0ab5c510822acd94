import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestUrl, sendJson } from '../shared/http.js';
import { typeInfo } from './data/catalog.js';
import { parseFilter } from './data/filter.js';
import type { HealthData } from './data/store.js';
import type { WirePoint } from './data/wire.js';
import { sendRpcError } from './errors.js';

export const DATA_PATH = /^\/v4\/users\/me\/dataTypes\/([^/]+)\/dataPoints(:reconcile|%3Areconcile)?$/;
export const DEVICES_PATH = /^\/v4\/users\/me\/pairedDevices(?:\/([^/]+))?$/;
const SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';
const FAMILY = /^users\/me\/dataSourceFamilies\/(all-sources|google-wearables|google-sources|self-sources)$/;

export type DataFault = { readonly status: number; readonly retryAfterS?: number } | { readonly hang: true };

/**
 * Per-call bookkeeping of the data endpoints: armed faults, Google's per-user quota (300 requests a minute,
 * counted on the wall clock because it is a real-time limit, not simulated time) and calls per data type.
 */
export class DataApiControls {
  readonly calls = new Map<string, number>();
  quotaPerMinute = 300;
  private faults: { fault: DataFault; remaining: number } | undefined;
  private readonly windows = new Map<string, { start: number; count: number }>();

  arm(fault: DataFault, times: number): void {
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`needs a positive count, got ${times}`);
    }
    this.faults = { fault, remaining: times };
  }

  takeFault(): DataFault | undefined {
    const armed = this.faults;
    if (armed && (armed.remaining -= 1) === 0) {
      this.faults = undefined;
    }
    return armed?.fault;
  }

  count(key: string): void {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  /** Seconds until the user's minute window opens again, or undefined while under quota. */
  overQuota(healthUserId: string): number | undefined {
    const now = Date.now();
    let w = this.windows.get(healthUserId);
    if (!w || now - w.start >= 60_000) {
      w = { start: now, count: 0 };
      this.windows.set(healthUserId, w);
    }
    w.count += 1;
    return w.count > this.quotaPerMinute
      ? Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000))
      : undefined;
  }
}

/** The counter key of a data-endpoint path, or undefined for any other path. */
export function dataCallKey(path: string): string | undefined {
  const data = DATA_PATH.exec(path);
  return data ? decodeURIComponent(data[1] ?? '') : DEVICES_PATH.test(path) ? 'pairedDevices' : undefined;
}

/** Answers an armed fault (google.rpc.Status, Retry-After when given), or leaves the request hanging. */
export function answerFault(res: ServerResponse, fault: DataFault): void {
  if ('hang' in fault) {
    // No answer at all: the client's own timeout has to end it (stop() destroys the socket).
    return;
  }
  if (fault.retryAfterS !== undefined) {
    res.setHeader('retry-after', String(fault.retryAfterS));
  }
  sendRpcError(res, fault.status);
}

/** dataPoints list/reconcile and pairedDevices for an authenticated user. */
export function serveData(
  req: IncomingMessage,
  res: ServerResponse,
  data: HealthData,
  user: { healthUserId: string; scopes: readonly string[] },
): void {
  const url = requestUrl(req);
  if (req.method !== 'GET') {
    sendRpcError(res, 405, `Method ${req.method ?? ''} not allowed on ${url.pathname}.`);
    return;
  }
  const size = url.searchParams.get('pageSize');
  if (size !== null && !/^\d+$/.test(size)) {
    sendRpcError(res, 400, `Invalid page size: ${size}.`);
    return;
  }
  const device = DEVICES_PATH.exec(url.pathname);
  if (device) {
    if (!hasScope(res, user.scopes, 'settings')) {
      return;
    }
    const all = data.pairedDevices(user.healthUserId);
    if (device[1] !== undefined) {
      const one = all.find((d) => d.name.endsWith(`/${device[1] ?? ''}`));
      if (one) {
        sendJson(res, 200, one);
      } else {
        sendRpcError(res, 404, `Requested entity was not found.`);
      }
      return;
    }
    page(res, url, 'pairedDevices', all, { pageDefault: 5, pageMax: 100 }, 'pairedDevices');
    return;
  }
  const match = DATA_PATH.exec(url.pathname);
  const kebab = decodeURIComponent(match?.[1] ?? '');
  const reconcile = match?.[2] !== undefined;
  const type = typeInfo(kebab);
  const family = url.searchParams.get('dataSourceFamily');
  const invalid =
    type === undefined
      ? [`Invalid data type collection: users/me/dataTypes/${kebab}.`, 'INVALID_PARENT_DATA_TYPE_COLLECTION']
      : family !== null && !FAMILY.test(family)
        ? [`Invalid dataSourceFamily: ${family}.`, 'INVALID_DATA_POINT_DATA_SOURCE_FAMILY']
        : family !== null && !reconcile && kebab === 'sleep'
          ? [
              'dataSourceFamily is not supported when listing sleep; use reconcile.',
              'INVALID_DATA_POINT_DATA_SOURCE_FAMILY',
            ]
          : reconcile && kebab === 'electrocardiogram'
            ? ['Reconcile is not supported for electrocardiogram.', 'INVALID_PARENT_DATA_TYPE_COLLECTION']
            : undefined;
  if (invalid !== undefined) {
    sendRpcError(res, 400, invalid[0], invalid[1]);
    return;
  }
  if (type === 'other' || type === undefined) {
    // A real collection the simulator has no data for.
    page(res, url, `${kebab}|${String(reconcile)}`, [], { pageDefault: 1440, pageMax: 10_000 }, 'dataPoints');
    return;
  }
  if (!hasScope(res, user.scopes, type.scope)) {
    return;
  }
  const parsed = parseFilter(url.searchParams.get('filter'), type);
  if (!parsed.ok) {
    sendRpcError(res, 400, parsed.message, 'INVALID_DATA_POINT_FILTER_SYNTAX');
    return;
  }
  const points = data
    .query(user.healthUserId, type, parsed.filter)
    .filter((p) => inFamily(p, family))
    .map((p) => (reconcile ? reconciled(p) : p));
  const context = `${kebab}|${String(reconcile)}|${url.searchParams.get('filter') ?? ''}|${family ?? ''}`;
  page(res, url, context, points, type, 'dataPoints');
}

function hasScope(res: ServerResponse, scopes: readonly string[], scope: string): boolean {
  if (scopes.includes(`${SCOPE_PREFIX}${scope}.readonly`)) {
    return true;
  }
  sendRpcError(
    res,
    403,
    'Request had insufficient authentication scopes.',
    'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
  );
  return false;
}

/** Reconcile merges sources: the id moves to dataPointName and there is no dataSource. */
function reconciled(point: WirePoint): WirePoint {
  const { name, dataSource: _source, ...rest } = point;
  return name === undefined ? rest : { dataPointName: name, ...rest };
}

function inFamily(point: WirePoint, family: string | null): boolean {
  const source = point['dataSource'] as { recordingMethod?: string } | undefined;
  const manual = source?.recordingMethod === 'MANUAL';
  const f = family === null ? undefined : FAMILY.exec(family)?.[1];
  return f === 'self-sources' ? manual : f === 'google-wearables' ? !manual : true;
}

/**
 * AIP-158 paging: pageSize 0 or absent means the default, above the maximum is coerced down; the token is
 * opaque, tied to the other parameters, and absent on the last page.
 */
function page(
  res: ServerResponse,
  url: URL,
  context: string,
  items: readonly unknown[],
  sizes: { pageDefault: number; pageMax: number },
  key: string,
): void {
  // serveData has already refused a malformed pageSize.
  const size = Number(url.searchParams.get('pageSize') ?? '0');
  const pageSize = size === 0 ? sizes.pageDefault : Math.min(size, sizes.pageMax);
  const digest = createHash('sha256').update(context).digest('hex').slice(0, 16);
  const token = url.searchParams.get('pageToken');
  let offset = 0;
  if (token !== null && token !== '') {
    const decoded = /^(\d+)\.([0-9a-f]{16})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded || decoded[2] !== digest) {
      sendRpcError(res, 400, 'Invalid page token.');
      return;
    }
    offset = Number(decoded[1]);
  }
  const next = offset + pageSize;
  sendJson(res, 200, {
    [key]: items.slice(offset, next),
    ...(next < items.length ? { nextPageToken: Buffer.from(`${next}.${digest}`).toString('base64url') } : {}),
  });
}
