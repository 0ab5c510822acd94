import type { Bundle } from 'fhir/r5.js';
import { describe, expect, it } from 'vitest';
import { FhirPermanentError } from './fhir-errors.js';
import { nextPageUrl } from './fhir-paging.js';

const BASE = 'https://fhir.example:8443/r5';
const page = (url: string): Partial<Bundle> => ({
  link: [
    { relation: 'self', url: BASE },
    { relation: 'next', url },
  ],
});

describe('nextPageUrl', () => {
  it('should answer undefined on the last page', () => {
    expect(nextPageUrl(BASE, { link: [{ relation: 'self', url: BASE }] })).toBeUndefined();
    expect(nextPageUrl(BASE, {})).toBeUndefined();
  });

  it.each([
    ['an absolute link under the base', `${BASE}/Patient?page=2`, `${BASE}/Patient?page=2`],
    ['the base itself with a query (HAPI)', `${BASE}?_getpages=abc`, `${BASE}?_getpages=abc`],
    ['a relative link', 'Patient?page=2', `${BASE}/Patient?page=2`],
    ['an absolute-path link', '/r5/Patient?page=2', `${BASE}/Patient?page=2`],
    ['a query-only link', '?_getpages=abc', `${BASE}/?_getpages=abc`],
  ])('should accept %s', (_kind, url, expected) => {
    expect(nextPageUrl(BASE, page(url))).toBe(expected);
    expect(nextPageUrl(`${BASE}/`, page(url))).toBe(expected);
  });

  it.each([
    ['another host', 'https://evil.example:8443/r5/Patient', /another origin \(evil\.example:8443\)/],
    ['another port', 'https://fhir.example:9443/r5/Patient', /another origin/],
    ['the default port instead of 8443', 'https://fhir.example/r5/Patient', /another origin/],
    ['a protocol-relative link elsewhere', '//evil.example/r5/Patient', /another origin/],
    ['plain http', 'http://fhir.example:8443/r5/Patient', /another scheme \(http\)/],
    ['another scheme altogether', 'file:///etc/passwd', /another scheme/],
    ['a path beside the base', 'https://fhir.example:8443/r5-admin/x', /outside the FHIR base path/],
    ['a path above the base', '/admin/Patient', /outside the FHIR base path/],
    ['dot segments out of the base', `${BASE}/../admin`, /outside the FHIR base path/],
    ['encoded dot segments', `${BASE}/%2e%2e/admin`, /outside the FHIR base path/],
    ['credentials in the link', 'https://u:p@fhir.example:8443/r5/Patient', /carries credentials/],
    ['an unparsable link', 'https://[::1', /is not a URL/],
  ])('should refuse %s with a permanent error', (_kind, url, message) => {
    const error = ((): unknown => {
      try {
        return nextPageUrl(BASE, page(url));
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(FhirPermanentError);
    expect(error).toMatchObject({ retryable: false, status: undefined });
    expect((error as Error).message).toMatch(message);
  });
});
