import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { NotAcceptableError } from '../errors/api-error.js';

export const SUPPORTED_API_VERSIONS = ['1'] as const;

/** Extracts `version=N` from the Accept header's media-type parameters; undefined when none is given. */
export function requestedVersion(accept: string | undefined): string | undefined {
  if (accept === undefined) {
    return undefined;
  }
  for (const mediaRange of accept.split(',')) {
    for (const param of mediaRange.split(';').slice(1)) {
      const eq = param.indexOf('=');
      if (eq > 0 && param.slice(0, eq).trim().toLowerCase() === 'version') {
        return param
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1');
      }
    }
  }
  return undefined;
}

/**
 * Accept-header versioning as the spec describes it: `Accept: application/json; version=1`. No version means 1;
 * any other version is refused with 406 before a controller runs.
 */
@Injectable()
export class AcceptVersionMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    const version = requestedVersion(req.headers.accept);
    if (version !== undefined && !(SUPPORTED_API_VERSIONS as readonly string[]).includes(version)) {
      // Thrown, not passed to next(): Nest's middleware proxy routes it through the global error filter.
      throw new NotAcceptableError(`API version '${version}' is not supported`, {
        supported_versions: [...SUPPORTED_API_VERSIONS],
      });
    }
    next();
  }
}
