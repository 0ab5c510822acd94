import { describe, expect, it } from 'vitest';
import { PaginationQuery, toPage } from './pagination.js';

const URL_BASE = 'https://ohe.example.org/api/base/providers/';

function query(limit: number, offset: number): PaginationQuery {
  return Object.assign(new PaginationQuery(), { limit, offset });
}

/** A link's query as a plain object, or null when there is no link. */
function params(link: string | null): Record<string, string> | null {
  return link === null ? null : Object.fromEntries(new URL(link).searchParams);
}

describe(toPage.name, () => {
  it('should default to 20 items from offset 0', () => {
    expect({ ...new PaginationQuery() }).toEqual({ limit: 20, offset: 0 });
  });

  it('should return the results and count as given', () => {
    const page = toPage(['a', 'b'], 2, query(20, 0), URL_BASE);
    expect(page).toEqual({ count: 2, next: null, previous: null, results: ['a', 'b'] });
  });

  it.each<[string, number, number, number, Record<string, string> | null, Record<string, string> | null]>([
    ['the first page', 10, 0, 25, { limit: '10', offset: '10' }, null],
    ['a middle page', 10, 10, 25, { limit: '10', offset: '20' }, { limit: '10', offset: '0' }],
    ['the last page', 10, 20, 25, null, { limit: '10', offset: '10' }],
    ['an exactly full last page', 10, 20, 30, null, { limit: '10', offset: '10' }],
    ['a page past the end', 10, 50, 25, null, { limit: '10', offset: '40' }],
    [
      'a page whose previous offset would be negative',
      10,
      3,
      25,
      { limit: '10', offset: '13' },
      { limit: '10', offset: '0' },
    ],
    ['an empty collection', 10, 0, 0, null, null],
  ])('should link %s', (_label, limit, offset, count, next, previous) => {
    const page = toPage([], count, query(limit, offset), URL_BASE);
    expect(params(page.next)).toEqual(next);
    expect(params(page.previous)).toEqual(previous);
  });

  it('should build absolute links on the page URL', () => {
    const page = toPage([], 25, query(10, 10), URL_BASE);
    expect(page.next).toBe(`${URL_BASE}?limit=10&offset=20`);
    expect(page.previous).toBe(`${URL_BASE}?limit=10&offset=0`);
  });

  it('should keep other query parameters and replace limit/offset', () => {
    const page = toPage(
      [],
      25,
      query(5, 5),
      `${URL_BASE}?provider=fitbit&limit=99&offset=7&ehr_user_id=p%201`,
    );
    expect(params(page.next)).toEqual({ provider: 'fitbit', limit: '5', offset: '10', ehr_user_id: 'p 1' });
    expect(params(page.previous)).toEqual({
      provider: 'fitbit',
      limit: '5',
      offset: '0',
      ehr_user_id: 'p 1',
    });
    expect(new URL(page.next ?? '').pathname).toBe('/api/base/providers/');
    expect(new URL(page.next ?? '').searchParams.getAll('limit')).toEqual(['5']);
  });
});
