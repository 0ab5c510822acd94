import {
  badRequest,
  FhirError,
  isFhirJson,
  isObject,
  operationOutcome,
  statusLine,
  toFailure,
  type FhirJson,
  type FhirResult,
  type Json,
} from './outcomes.js';
import type { FhirContext } from './resource-ops.js';
import type { QueryEntries } from './search-params.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type EntryMethod = (typeof METHODS)[number];
const isMethod = (m: unknown): m is EntryMethod => METHODS.some((x) => x === m);

/** One Bundle.entry with its request taken apart. */
export interface ParsedEntry {
  readonly index: number;
  readonly method: EntryMethod;
  readonly fullUrl: string | undefined;
  /** request.url without base and query: `Observation`, `Observation/123`. */
  readonly path: string;
  readonly resourceType: string;
  readonly id: string | undefined;
  readonly query: QueryEntries;
  /** The raw query of a conditional url (`identifier=sys|val`), undefined when there is none. */
  readonly criteria: string | undefined;
  readonly resource: FhirJson | undefined;
  readonly ifNoneExist: string | undefined;
  readonly ifMatch: string | undefined;
}

const where = (index: number, element = ''): string[] => [`Bundle.entry[${index}]${element}`];
const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function relativeUrl(ctx: FhirContext, url: string): string {
  return url.startsWith(`${ctx.baseUrl}/`) ? url.slice(ctx.baseUrl.length + 1) : url.replace(/^\/+/, '');
}

/** Parses one entry; throws a 400 FhirError naming the entry when it is malformed. */
export function parseEntry(ctx: FhirContext, raw: unknown, index: number): ParsedEntry {
  const entry = isObject(raw) ? raw : {};
  const request = isObject(entry['request']) ? entry['request'] : undefined;
  const method = request?.['method'];
  const url = request?.['url'];
  if (!isMethod(method) || typeof url !== 'string' || url === '') {
    throw badRequest('Bundle entry needs request.method and request.url', where(index, '.request'));
  }
  const relative = relativeUrl(ctx, url);
  const q = relative.indexOf('?');
  const path = q < 0 ? relative : relative.slice(0, q);
  const criteria = q < 0 ? undefined : relative.slice(q + 1);
  const [resourceType = '', id, ...rest] = path.split('/').filter(Boolean);
  const resource = entry['resource'];
  if (resource !== undefined && !isFhirJson(resource)) {
    throw badRequest('Bundle entry resource has no resourceType', where(index, '.resource'));
  }
  const writes = method === 'POST' || method === 'PUT';
  if (writes && resource === undefined) {
    throw badRequest(`${method} entry without a resource`, where(index, '.resource'));
  }
  if (writes && resource?.resourceType !== resourceType) {
    throw badRequest(`Entry resource is not a ${resourceType}`, where(index, '.resource'));
  }
  if (method !== 'GET' && method !== 'HEAD' && (rest.length > 0 || (method === 'POST' && id !== undefined))) {
    throw badRequest(`Unsupported ${method} url '${url}' in a Bundle entry`, where(index, '.request.url'));
  }
  return {
    index,
    method,
    fullUrl: optionalString(entry['fullUrl']),
    path,
    resourceType,
    id,
    query: criteria === undefined ? [] : [...new URLSearchParams(criteria)],
    criteria,
    resource,
    ifNoneExist: optionalString(request?.['ifNoneExist']),
    ifMatch: optionalString(request?.['ifMatch']),
  };
}

/** A PATCH entry carries its JSON Patch as a Binary (http.html#transaction, "patch"). */
export function patchBody(entry: ParsedEntry): unknown {
  const binary = entry.resource;
  if (binary?.resourceType !== 'Binary' || binary['contentType'] !== 'application/json-patch+json') {
    throw FhirError.of(
      415,
      'not-supported',
      'PATCH entries must carry a JSON Patch Binary',
      where(entry.index),
    );
  }
  const data = optionalString(binary['data']) ?? '';
  try {
    return JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
  } catch {
    throw badRequest('PATCH entry Binary.data is not base64 JSON', where(entry.index, '.resource.data'));
  }
}

/** Re-throws a failure with a first issue saying which entry failed, keeping the entry's own issues. */
export function inEntry(err: unknown, entry: ParsedEntry): FhirError {
  const { status, outcome } = toFailure(err);
  const issues = Array.isArray(outcome['issue']) ? outcome['issue'] : [];
  const [context] = operationOutcome([
    {
      code: 'processing',
      diagnostics: `Bundle.entry[${entry.index}] (${entry.method} ${entry.path}) failed with ${statusLine(status)}`,
      expression: where(entry.index),
    },
  ])['issue'] as unknown[];
  return new FhirError(status, { resourceType: 'OperationOutcome', issue: [context, ...issues] });
}

/** Bundle.entry of a transaction-response / batch-response from what the interaction answered. */
export function responseEntry(ctx: FhirContext, result: FhirResult, includeResource: boolean): Json {
  const response: Json = { status: statusLine(result.status) };
  const headers = result.headers ?? {};
  const location = headers['Location'] ?? headers['Content-Location'];
  if (location !== undefined) {
    response['location'] = relativeUrl(ctx, location);
  }
  if (headers['ETag'] !== undefined) {
    response['etag'] = headers['ETag'];
  }
  if (headers['Last-Modified'] !== undefined) {
    const resourceMeta = isFhirJson(result.body) ? result.body['meta'] : undefined;
    const lastUpdated = isObject(resourceMeta) ? optionalString(resourceMeta['lastUpdated']) : undefined;
    response['lastModified'] = lastUpdated ?? new Date(headers['Last-Modified']).toISOString();
  }
  const body = result.body;
  if (result.status >= 400 && isFhirJson(body)) {
    response['outcome'] = body;
    return { response };
  }
  if (!isFhirJson(body) || !includeResource) {
    return { response };
  }
  const id = optionalString(body['id']);
  const fullUrl =
    id === undefined || body.resourceType === 'Bundle'
      ? {}
      : { fullUrl: `${ctx.baseUrl}/${body.resourceType}/${id}` };
  return { ...fullUrl, resource: body, response };
}

/** Applies `rewrite` to every string inside a JSON value, returning a rewritten copy. */
export async function mapStrings(
  value: unknown,
  rewrite: (s: string, key: string | undefined) => Promise<string>,
  key?: string,
): Promise<unknown> {
  if (typeof value === 'string') {
    return rewrite(value, key);
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      out.push(await mapStrings(item, rewrite, key));
    }
    return out;
  }
  if (isObject(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = await mapStrings(v, rewrite, k);
    }
    return out;
  }
  return value;
}
