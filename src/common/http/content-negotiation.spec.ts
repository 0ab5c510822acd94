import { describe, expect, it } from 'vitest';
import { preferredType } from './content-negotiation.js';

const OFFERED = ['text/html', 'application/json'];

describe('preferredType', () => {
  it.each([
    [undefined, 'text/html'],
    ['*/*', 'text/html'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html'],
    ['application/json', 'application/json'],
    ['application/json; version=1', 'application/json'],
    ['application/json;version="1", text/plain', 'application/json'],
    ['application/json;q=0.9, text/html', 'text/html'],
    ['text/html;q=0.1, application/json', 'application/json'],
    ['image/png', undefined],
  ])('Accept %s → %s', (accept, expected) => {
    expect(preferredType(accept, OFFERED)).toBe(expected);
  });
});
