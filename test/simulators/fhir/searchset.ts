import type { Bundle } from '@medplum/fhirtypes';
import type { FhirJson, Json } from './outcomes.js';
import type { FhirContext } from './resource-ops.js';
import {
  checkSearchQuery,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  normalizeQuery,
  queryString,
  type QueryEntries,
} from './search-params.js';

interface Paging {
  readonly resourceType: string;
  readonly query: QueryEntries;
  readonly count: number;
  readonly offset: number;
  readonly summaryCount: boolean;
}

const lastValue = (query: QueryEntries, key: string): string | undefined =>
  query.filter(([k]) => k === key).at(-1)?.[1];

/**
 * Paging as real servers do it: a default page of 20 (HAPI's and Medplum's default), a cap of 1000, and `next`
 * links, so a client that forgets to follow them is caught by tests instead of by production data volumes.
 */
function prepare(
  ctx: FhirContext,
  resourceType: string,
  query: QueryEntries,
): { request: QueryEntries; links: Paging } {
  checkSearchQuery(resourceType, query, false);
  const count = Math.min(Number(lastValue(query, '_count') ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
  const offset = Number(lastValue(query, '_offset') ?? 0);
  const summaryCount = lastValue(query, '_summary') === 'count';
  const base = query.filter(([k]) => k !== '_count' && k !== '_offset');
  const normalized = normalizeQuery(resourceType, base, ctx.baseUrl);
  const request: QueryEntries = summaryCount
    ? normalized
    : [...normalized, ['_count', String(count)], ['_offset', String(offset)]];
  return { request, links: { resourceType, query: base, count, offset, summaryCount } };
}

function pageUrl(ctx: FhirContext, paging: Paging, offset: number): string {
  const query = queryString([...paging.query, ['_count', String(paging.count)], ['_offset', String(offset)]]);
  return `${ctx.baseUrl}/${paging.resourceType}?${query}`;
}

function finish(ctx: FhirContext, bundle: Bundle, paging: Paging): FhirJson {
  const total = bundle.total ?? 0;
  const link: Json[] = [];
  if (paging.summaryCount) {
    link.push({
      relation: 'self',
      url: `${ctx.baseUrl}/${paging.resourceType}?${queryString(paging.query)}`,
    });
  } else {
    link.push({ relation: 'self', url: pageUrl(ctx, paging, paging.offset) });
    if (paging.offset + paging.count < total) {
      link.push({ relation: 'next', url: pageUrl(ctx, paging, paging.offset + paging.count) });
    }
    if (paging.offset > 0 && paging.count > 0) {
      link.push({
        relation: 'previous',
        url: pageUrl(ctx, paging, Math.max(0, paging.offset - paging.count)),
      });
    }
  }
  const entry = (bundle.entry ?? []).flatMap((e) =>
    e.resource === undefined
      ? []
      : [
          {
            fullUrl: `${ctx.baseUrl}/${e.resource.resourceType}/${e.resource.id ?? ''}`,
            resource: e.resource,
            search: { mode: 'match' },
          },
        ],
  );
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link,
    ...(entry.length > 0 ? { entry } : {}),
  };
}

export const searchset = { prepare, finish };
