import type { Request } from 'express';

/**
 * The absolute URL of the current path: from PUBLIC_BASE_URL when set (behind proxies that rewrite Host),
 * else from the request itself.
 */
export function publicUrlOf(req: Request, publicBaseUrl: string | undefined): string {
  const base = publicBaseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return `${base}${req.path}`;
}
