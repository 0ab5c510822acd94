import type { CorsEnvironmentVariables } from './cors.env.js';

export interface CorsConfig {
  /** Exact origins as browsers send them (`scheme://host[:port]`, lower-case, default port omitted). */
  readonly origins: readonly string[];
  readonly allowCredentials: boolean;
  readonly maxAgeS: number;
}

/**
 * The origin a browser would send for `entry`, or undefined when `entry` is not written exactly that way: the
 * match is a plain string comparison, so `https://App.example` or `https://app.example:443` would never match.
 */
function asOrigin(entry: string): string | undefined {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return undefined;
  }
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  return web && url.origin === entry ? url.origin : undefined;
}

/** Builds the CORS settings (undefined when CORS is off), pushing one line per problem onto `problems`. */
export function corsConfig(vars: CorsEnvironmentVariables, problems: string[]): CorsConfig | undefined {
  const entries = (vars.CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.includes('*')) {
    // Wildcards would also be the one value browsers refuse together with credentials.
    problems.push('CORS_ORIGINS (* is refused: list exact origins such as https://app.example)');
    return undefined;
  }
  const bad = entries.filter((e) => asOrigin(e) === undefined);
  if (bad.length > 0) {
    problems.push(`CORS_ORIGINS (not an exact scheme://host[:port] origin: ${bad.join(', ')})`);
    return undefined;
  }
  if (entries.length === 0) {
    return undefined;
  }
  return {
    origins: [...new Set(entries)],
    allowCredentials: vars.CORS_ALLOW_CREDENTIALS,
    maxAgeS: vars.CORS_MAX_AGE_S,
  };
}
