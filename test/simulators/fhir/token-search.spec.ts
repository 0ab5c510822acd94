import { getSearchParameter } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { loadR5Definitions, splitUnion } from './r5-definitions.js';
import { escapeTokenPart } from './search-params.js';
import { parseTokenValue, splitOnUnescapedComma, tokenMatches } from './token-search.js';

describe('token search parsing', () => {
  it('should split system and code at the first unescaped | and unescape both', () => {
    expect(parseTokenValue('urn:s|a\\|b')).toEqual({ kind: 'system-code', system: 'urn:s', code: 'a|b' });
    expect(parseTokenValue('urn:s|a|b')).toEqual({ kind: 'system-code', system: 'urn:s', code: 'a|b' });
    expect(parseTokenValue('a\\|b')).toEqual({ kind: 'code', code: 'a|b' });
    expect(parseTokenValue('|a')).toEqual({ kind: 'no-system', code: 'a' });
    expect(parseTokenValue('urn:s|')).toEqual({ kind: 'system', system: 'urn:s' });
    expect(parseTokenValue('a\\,b\\$c\\\\')).toEqual({ kind: 'code', code: 'a,b$c\\' });
  });

  it('should reject a bare | and an empty value', () => {
    expect(() => parseTokenValue('|')).toThrow("Token search value '|' has neither system nor code");
    expect(() => parseTokenValue('')).toThrow('Empty token search value');
  });

  it('should split OR values on unescaped commas only', () => {
    expect(splitOnUnescapedComma('s|a,s|b\\,c')).toEqual(['s|a', 's|b\\,c']);
  });

  it('should compare exactly and case-sensitively', () => {
    const token = { system: 'urn:s', code: 'Ab' };
    expect(tokenMatches(token, parseTokenValue('urn:s|Ab'))).toBe(true);
    expect(tokenMatches(token, parseTokenValue('urn:s|ab'))).toBe(false);
    expect(tokenMatches(token, parseTokenValue('URN:S|Ab'))).toBe(false);
    expect(tokenMatches(token, parseTokenValue('|Ab'))).toBe(false);
  });

  it('should round-trip any system and value through escapeTokenPart', () => {
    for (const value of ['a|b', 'a,b', 'a$b', 'a\\b', '\\|', 'plain']) {
      expect(parseTokenValue(`urn:s|${escapeTokenPart(value)}`)).toEqual({
        kind: 'system-code',
        system: 'urn:s',
        code: value,
      });
    }
  });
});

describe('R5 search parameter narrowing', () => {
  it('should split FHIRPath unions at the top level only', () => {
    expect(splitUnion("A.x | (B.y as Quantity) | C.z.where(a = 'p|q') | D.w[0]")).toEqual([
      'A.x',
      '(B.y as Quantity)',
      "C.z.where(a = 'p|q')",
      'D.w[0]',
    ]);
  });

  it("should keep only the resource type's own terms of shared R5 parameters", () => {
    loadR5Definitions();

    expect(getSearchParameter('Observation', 'identifier')?.expression).toBe('Observation.identifier');
    expect(getSearchParameter('Observation', 'patient')?.expression).toBe(
      'Observation.subject.where(resolve() is Patient)',
    );
    expect(getSearchParameter('DeviceAssociation', 'identifier')?.expression).toBe(
      'DeviceAssociation.identifier',
    );
  });
});
