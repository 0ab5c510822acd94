import type { Request } from 'express';
import type { AppConfig } from '../../config/app-config.js';

type PublicUrlConfig = Pick<AppConfig, 'publicBaseUrl' | 'nodeEnv'>;

/**
 * The base URL clients reach the service at: PUBLIC_BASE_URL when set, else (outside production only) the
 * request's own scheme and Host. Production never trusts Host, which any client can forge: loadConfig
 * requires PUBLIC_BASE_URL there, and this refuses rather than fall back should that ever be bypassed.
 */
export function publicBaseOf(req: Request, config: PublicUrlConfig): string {
  if (config.publicBaseUrl !== undefined) {
    return config.publicBaseUrl;
  }
  if (config.nodeEnv === 'production') {
    throw new Error('PUBLIC_BASE_URL is not set: refusing to build a public URL from the Host header');
  }
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** The absolute public URL of the current path (see publicBaseOf). */
export function publicUrlOf(req: Request, config: PublicUrlConfig): string {
  return `${publicBaseOf(req, config)}${req.path}`;
}
