import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, KeyRingError, parseKeyRing, TokenCipher } from './token-cipher.js';

const key = (): string => randomBytes(32).toString('base64');
const AAD = 'provider_links:42:access_token';

describe(TokenCipher.name, () => {
  const ring = parseKeyRing(`k2:${key()},k1:${key()}`);
  const cipher = new TokenCipher(ring);

  it('should round-trip a token under the newest key without leaking the plaintext', () => {
    const sealed = cipher.encrypt('secret-access-token', AAD);
    expect(sealed.keyId).toBe('k2');
    expect(sealed.value).not.toContain('secret');
    expect(sealed.value.split('.')).toHaveLength(5);
    expect(cipher.decrypt(sealed.value, AAD)).toBe('secret-access-token');
  });

  it('should use a fresh IV for every encryption', () => {
    const ivs = new Set(Array.from({ length: 200 }, () => cipher.encrypt('same', AAD).value.split('.')[2]));
    expect(ivs.size).toBe(200);
  });

  it.each([
    ['another row', 'provider_links:43:access_token'],
    ['another column', 'provider_links:42:refresh_token'],
  ])('should refuse a ciphertext moved to %s', (_where, aad) => {
    const sealed = cipher.encrypt('tok', AAD);
    expect(() => cipher.decrypt(sealed.value, aad)).toThrow(DecryptionError);
  });

  it('should detect tampering with any part', () => {
    const parts = cipher.encrypt('tok', AAD).value.split('.');
    for (const i of [2, 3, 4]) {
      const tampered = [...parts];
      const bytes = Buffer.from(tampered[i]!, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      tampered[i] = bytes.toString('base64url');
      expect(() => cipher.decrypt(tampered.join('.'), AAD)).toThrow(DecryptionError);
    }
  });

  it('should decrypt values sealed under an older ring key and report them stale', () => {
    const old = new TokenCipher(parseKeyRing(`k1:${Buffer.from(ring.keys.get('k1')!).toString('base64')}`));
    const sealed = old.encrypt('legacy', AAD);
    expect(sealed.keyId).toBe('k1');
    expect(cipher.decrypt(sealed.value, AAD)).toBe('legacy');
    expect(cipher.isStale(sealed.keyId)).toBe(true);
    expect(cipher.isStale('k2')).toBe(false);
  });

  it('should name a missing key rather than fail obscurely', () => {
    const other = new TokenCipher(parseKeyRing(`k9:${key()}`));
    expect(() => other.decrypt(cipher.encrypt('x', AAD).value, AAD)).toThrow("key 'k2' is not in TOKEN_KEYS");
  });
});

describe(parseKeyRing.name, () => {
  it.each([
    ['', 'holds no key'],
    ['k1', 'needs the form'],
    [`bad id!:${key()}`, 'needs the form'],
    ['k1:c2hvcnQ=', 'must be 32 bytes'],
    [`k1:${key()},k1:${key()}`, 'twice'],
  ])('should reject %j', (spec, message) => {
    expect(() => parseKeyRing(spec)).toThrow(KeyRingError);
    expect(() => parseKeyRing(spec)).toThrow(message);
  });
});
