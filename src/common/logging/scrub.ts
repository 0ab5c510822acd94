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
