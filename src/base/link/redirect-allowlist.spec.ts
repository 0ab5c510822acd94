import { describe, expect, it } from 'vitest';
import { isAllowedRedirect } from './redirect-allowlist.js';

const LIST = ['https://app.example', 'https://portal.example/ehr/'];

describe(isAllowedRedirect.name, () => {
  it.each([
    'https://app.example/',
    'https://app.example/linked?x=1',
    'https://portal.example/ehr/done',
    'https://portal.example/ehr',
  ])('should allow %s', (target) => {
    expect(isAllowedRedirect(target, LIST)).toBe(true);
  });

  it.each([
    'https://app.example.evil.com/',
    'http://app.example/',
    'https://app.example:444/',
    'https://user:pw@app.example/',
    'https://portal.example/ehrx',
    'https://portal.example/ehr/../admin',
    'https://portal.example/other',
    'javascript:alert(1)',
    '//app.example/',
    '/relative',
    'not a url',
  ])('should refuse %s', (target) => {
    expect(isAllowedRedirect(target, LIST)).toBe(false);
  });

  it('should refuse everything with an empty allow-list', () => {
    expect(isAllowedRedirect('https://app.example/', [])).toBe(false);
  });
});
