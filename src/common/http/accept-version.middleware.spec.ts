import type { Request, Response } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { NotAcceptableError } from '../errors/api-error.js';
import { AcceptVersionMiddleware, requestedVersion } from './accept-version.middleware.js';

function requestWith(accept: string | undefined): Request {
  return { headers: accept === undefined ? {} : { accept } } as unknown as Request;
}

const response = {} as unknown as Response;

describe(requestedVersion.name, () => {
  it.each<[string | undefined, string | undefined]>([
    ['application/json; version=1', '1'],
    ['application/json;version="2"', '2'],
    ['text/html, application/json; version=3', '3'],
    ['application/json; charset=utf-8; Version=4', '4'],
    ['application/json', undefined],
    [undefined, undefined],
    ['', undefined],
    ['application/json; charset=utf-8', undefined],
    ['application/json; versionx=5', undefined],
  ])('should read %j as version %j', (accept, expected) => {
    expect(requestedVersion(accept)).toBe(expected);
  });
});

describe(AcceptVersionMiddleware.name, () => {
  const middleware = new AcceptVersionMiddleware();

  it.each([undefined, 'application/json', 'application/json; version=1', '*/*'])(
    'should pass %j on to the next handler',
    (accept) => {
      const next = vi.fn<() => void>();
      middleware.use(requestWith(accept), response, next);
      expect(next).toHaveBeenCalledTimes(1);
      expect(next).toHaveBeenCalledWith();
    },
  );

  it.each(['application/json; version=2', 'application/json; version="0"', 'application/json; version=1.0'])(
    'should refuse %j with 406 not_acceptable',
    (accept) => {
      const next = vi.fn<() => void>();
      let thrown: unknown;
      try {
        middleware.use(requestWith(accept), response, next);
      } catch (e) {
        thrown = e;
      }
      expect(next).not.toHaveBeenCalled();
      expect(thrown).toBeInstanceOf(NotAcceptableError);
      const error = thrown as NotAcceptableError;
      expect(error.getStatus()).toBe(406);
      expect(error.code).toBe('not_acceptable');
      expect(error.details).toEqual({ supported_versions: ['1'] });
      expect(error.message).toContain(`'${requestedVersion(accept) ?? ''}'`);
    },
  );
});
