import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../common/errors/api-error.js';
import {
  legacySignature,
  legacySignatureValid,
  parseLegacyNotifications,
  verificationCodeMatches,
} from './fitbit-legacy.js';

const SECRET = 'fitbit-client-secret';
const item = {
  collectionType: 'activities',
  date: '2023-12-07',
  ownerId: 'ABC123',
  ownerType: 'user',
  subscriptionId: 'user-1',
};

describe('legacy Fitbit signature', () => {
  const body = Buffer.from(JSON.stringify([item]));

  it('should be base64 HMAC-SHA1 keyed with the client secret and "&"', () => {
    const expected = createHmac('sha1', `${SECRET}&`).update(body).digest('base64');
    expect(legacySignature(body, SECRET)).toBe(expected);
    expect(legacySignatureValid(body, expected, SECRET)).toBe(true);
  });

  it('should refuse the seed’s key without "&", another body, and any signature when no secret is set', () => {
    const withoutAmpersand = createHmac('sha1', SECRET).update(body).digest('base64');
    expect(legacySignatureValid(body, withoutAmpersand, SECRET)).toBe(false);
    expect(
      legacySignatureValid(Buffer.from(`${body.toString()} `), legacySignature(body, SECRET), SECRET),
    ).toBe(false);
    expect(legacySignatureValid(body, legacySignature(body, SECRET), undefined)).toBe(false);
  });
});

describe('verificationCodeMatches', () => {
  it('should match only the configured code, and nothing when none is configured', () => {
    expect(verificationCodeMatches('code-1234', 'code-1234')).toBe(true);
    expect(verificationCodeMatches('code-1235', 'code-1234')).toBe(false);
    expect(verificationCodeMatches(undefined, 'code-1234')).toBe(false);
    expect(verificationCodeMatches(['code-1234'], 'code-1234')).toBe(false);
    expect(verificationCodeMatches('anything', undefined)).toBe(false);
  });
});

describe('parseLegacyNotifications', () => {
  it('should read items with a dedup key over legacy|ownerId|collectionType|date|subscriptionId', () => {
    const [n] = parseLegacyNotifications([item]);
    expect(n).toEqual({
      collectionType: 'activities',
      date: '2023-12-07',
      ownerId: 'ABC123',
      subscriptionId: 'user-1',
      dedupKey: createHash('sha256').update('legacy|ABC123|activities|2023-12-07|user-1').digest('hex'),
    });
  });

  it('should refuse the whole body when any item is invalid', () => {
    let details: Record<string, unknown> = {};
    try {
      parseLegacyNotifications([item, { ...item, date: '07/12/2023', ownerId: undefined }, 'x']);
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      details = (err as ValidationError).details;
    }
    expect(Object.keys(details).sort()).toEqual(['[1].date', '[1].ownerId', '[2]']);
    expect(() => parseLegacyNotifications(Array.from({ length: 101 }, () => item))).toThrow(ValidationError);
  });
});
