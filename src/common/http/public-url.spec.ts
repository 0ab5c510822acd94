import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { publicBaseOf, publicUrlOf } from './public-url.js';

/** A request that arrived with a Host header a client chose. */
const forged = {
  protocol: 'http',
  path: '/api/base/providers/',
  get: (name: string) => (name.toLowerCase() === 'host' ? 'evil.example' : undefined),
} as unknown as Request;

describe(publicBaseOf.name, () => {
  it('should use PUBLIC_BASE_URL whatever the Host header says', () => {
    for (const nodeEnv of ['development', 'production'] as const) {
      const config = { nodeEnv, publicBaseUrl: 'https://ohe.example.org' };
      expect(publicBaseOf(forged, config)).toBe('https://ohe.example.org');
      expect(publicUrlOf(forged, config)).toBe('https://ohe.example.org/api/base/providers/');
    }
  });

  it('should fall back to the request outside production only', () => {
    expect(publicBaseOf(forged, { nodeEnv: 'development', publicBaseUrl: undefined })).toBe(
      'http://evil.example',
    );
    expect(() => publicBaseOf(forged, { nodeEnv: 'production', publicBaseUrl: undefined })).toThrow(
      /PUBLIC_BASE_URL/,
    );
  });
});
