/**
 * Whether `target` may be redirected to: an absolute http(s) URL, without credentials, whose origin equals an
 * allow-list entry's origin and whose path starts with the entry's path (an entry without a path allows the
 * whole origin). Comparison is on parsed URLs, so `https://app.example.evil.com` never matches
 * `https://app.example`, and `..` segments are resolved before the prefix check.
 */
export function isAllowedRedirect(target: string, allowlist: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') {
    return false;
  }
  return allowlist.some((entry) => {
    const allowed = new URL(entry);
    if (allowed.origin !== url.origin) {
      return false;
    }
    const prefix = allowed.pathname === '/' ? '/' : allowed.pathname.replace(/\/?$/, '/');
    return url.pathname.replace(/\/?$/, '/').startsWith(prefix);
  });
}
