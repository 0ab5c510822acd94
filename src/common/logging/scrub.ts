/** Query parameters whose values are credentials or one-time secrets and must never be logged. */
const SECRET_PARAMS = new Set([
  'code',
  'state',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'verify',
  'challenge',
  'secret',
  'key',
  'api_key',
  'password',
  'code_verifier',
  'confirmation_code',
]);

/** Replaces the values of secret query parameters with [redacted]; leaves the rest of the URL as it is. */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) {
    return url;
  }
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) {
    if (SECRET_PARAMS.has(name.toLowerCase())) {
      params.set(name, '[redacted]');
    }
  }
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** Route parameters whose values are credentials (secret URL paths, such as the Withings callback token). */
const SECRET_ROUTE_PARAM = /:(token|secret)\b/;

/** A path segment shaped like a credential: long and URL-safe, as webhook path secrets are (16-128 characters). */
const TOKEN_LIKE_SEGMENT = /^[A-Za-z0-9_-]{16,}$/;

/** What the access log knows of a request once it is routed. */
export interface LoggedRequest {
  readonly url?: string | undefined;
  readonly originalUrl?: string | undefined;
  /** The matched route's template, e.g. `/webhooks/withings/:token`; undefined when no route matched. */
  readonly routeTemplate: string | undefined;
}

/**
 * The URL an access log line may show. A route with a secret parameter is logged as its template, never its raw
 * path; a request that matched no route has every credential-shaped segment blanked (it may be a secret URL with
 * a typo); secret query parameters are redacted either way.
 */
export function loggedUrl(req: LoggedRequest): string {
  const raw = req.originalUrl ?? req.url ?? '';
  const q = raw.indexOf('?');
  const [path, query] = q < 0 ? [raw, ''] : [raw.slice(0, q), raw.slice(q)];
  let shown: string;
  if (req.routeTemplate === undefined) {
    shown = path
      .split('/')
      .map((segment) => (TOKEN_LIKE_SEGMENT.test(segment) ? '[redacted]' : segment))
      .join('/');
  } else {
    shown = SECRET_ROUTE_PARAM.test(req.routeTemplate) ? req.routeTemplate : path;
  }
  return scrubUrl(`${shown}${query}`);
}
