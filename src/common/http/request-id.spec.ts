import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assignRequestId, REQUEST_ID_HEADER, requestIdOf } from './request-id.js';

const GENERATED = /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function exchange(header?: string | string[]): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  if (header !== undefined) {
    req.headers['x-request-id'] = header;
  }
  return { req, res: new ServerResponse(req) };
}

describe(assignRequestId.name, () => {
  it.each(['abc-123', 'req_1.2:3', 'A'.repeat(128), '0f8fad5b-d9cb-469f-a165-70867728950e'])(
    'should keep the safe caller id %s and echo it',
    (given) => {
      const { req, res } = exchange(given);
      expect(assignRequestId(req, res)).toBe(given);
      expect(res.getHeader(REQUEST_ID_HEADER)).toBe(given);
    },
  );

  it.each([
    ['spaces', 'abc 123'],
    ['a newline', 'abc\n123'],
    ['a quote', 'abc"123'],
    ['a single quote', "abc'123"],
    ['more than 128 characters', 'A'.repeat(129)],
    ['nothing', ''],
  ])('should replace an id with %s by a generated one', (_label, given) => {
    const { req, res } = exchange(given);
    const id = assignRequestId(req, res);
    expect(id).toMatch(GENERATED);
    expect(res.getHeader(REQUEST_ID_HEADER)).toBe(id);
  });

  it('should generate an id when the caller sends none, a new one each time', () => {
    const first = exchange();
    const second = exchange();
    const a = assignRequestId(first.req, first.res);
    const b = assignRequestId(second.req, second.res);
    expect(a).toMatch(GENERATED);
    expect(b).toMatch(GENERATED);
    expect(a).not.toBe(b);
    expect(first.res.getHeader(REQUEST_ID_HEADER)).toBe(a);
  });

  it('should take the first value of a repeated header', () => {
    const { req, res } = exchange(['first-id', 'second-id']);
    expect(assignRequestId(req, res)).toBe('first-id');
    expect(res.getHeader(REQUEST_ID_HEADER)).toBe('first-id');
  });

  it('should judge only the first value of a repeated header', () => {
    const { req, res } = exchange(['bad id', 'good-id']);
    expect(assignRequestId(req, res)).toMatch(GENERATED);
  });
});

describe(requestIdOf.name, () => {
  it('should return the id attached to the request', () => {
    const { req } = exchange();
    Object.assign(req, { id: 'req-42' });
    expect(requestIdOf(req)).toBe('req-42');
  });

  it.each([undefined, 42, null])('should return unknown when the id is %j', (id) => {
    const { req } = exchange();
    Object.assign(req, { id });
    expect(requestIdOf(req)).toBe('unknown');
  });
});
