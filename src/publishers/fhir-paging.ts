import type { Bundle } from 'fhir/r5.js';
import { FhirPermanentError } from './fhir-errors.js';

/**
 * The absolute URL of a searchset page's `next` link, or undefined on the last page. Relative links resolve
 * against the base URL (FHIR's rule for relative references), not against the page's own URL.
 *
 * The link is followed with the FHIR auth headers, so it must stay where the token belongs: same scheme, host and
 * port as the base URL, and under its path. A link that leaves throws FhirPermanentError before any request is
 * made: a server (or whoever can shape its answers) must not be able to send our bearer token elsewhere, and
 * retrying would only get the same link again.
 */
export function nextPageUrl(baseUrl: string, page: Partial<Bundle>): string | undefined {
  const link = page.link?.find((l) => l.relation === 'next');
  if (link === undefined) {
    return undefined;
  }
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  let next: URL;
  try {
    next = new URL(link.url, `${base.origin}${basePath}/`);
  } catch (err) {
    throw refuse('is not a URL', err);
  }
  if (next.protocol !== base.protocol) {
    throw refuse(`uses another scheme (${next.protocol.replace(':', '')})`);
  }
  if (next.host !== base.host) {
    throw refuse(`is on another origin (${next.host})`);
  }
  // URL parsing has already removed dot segments, so `/fhir/../admin` cannot pass as being under `/fhir`.
  if (next.pathname !== basePath && !next.pathname.startsWith(`${basePath}/`)) {
    throw refuse('is outside the FHIR base path');
  }
  if (next.username !== '' || next.password !== '') {
    throw refuse('carries credentials');
  }
  return next.href;
}

function refuse(why: string, cause?: unknown): FhirPermanentError {
  return new FhirPermanentError(
    `FHIR search paging stopped: the server's next link ${why}; it must stay under FHIR_BASE_URL`,
    undefined,
    [],
    cause === undefined ? undefined : { cause },
  );
}
