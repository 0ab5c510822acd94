import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  candidateKeys,
  decodeEcdsaPublicKey,
  decodeSignature,
  KeysetFormatError,
  parseKeyset,
  readProtoFields,
  verifyWith,
} from './tink-keyset.js';

/** keyData.value of a key in Google's live keyset, as quoted in a public SDK's tests (research Addendum). */
const GOOGLE_LIVE_VALUE =
  'EgYIAxACGAIaIQBDWg3kaiabjtrVXbSSbcn6e3QqiCLD+B4GuhC/Z1C6miIhACarm0VQv9WjNZG/AB0itXCIGFW5ddInmBFUjK/8w0v3';

const PARAMS_P256_SHA256_DER = '080310021802';

function field(no: number, hex: string): string {
  const len = hex.length / 2;
  return ((no << 3) | 2).toString(16).padStart(2, '0') + len.toString(16).padStart(2, '0') + hex;
}

/** Hand-built EcdsaPublicKey bytes, so the tests do not share an encoder with the code under test. */
function publicKeyValue(
  key: KeyObject,
  opts: { params?: string; lead?: string; stripX?: boolean; version?: number } = {},
): string {
  const jwk = key.export({ format: 'jwk' });
  let x = Buffer.from(jwk.x ?? '', 'base64url').toString('hex');
  const y = Buffer.from(jwk.y ?? '', 'base64url').toString('hex');
  if (opts.stripX === true) {
    x = x.replace(/^(00)+/, '');
  }
  const lead = opts.lead ?? '00';
  const version = opts.version === undefined ? '' : `08${opts.version.toString(16).padStart(2, '0')}`;
  const hex =
    version +
    field(2, opts.params ?? PARAMS_P256_SHA256_DER) +
    field(3, (opts.stripX === true ? '' : lead) + x) +
    field(4, lead + y);
  return Buffer.from(hex, 'hex').toString('base64');
}

interface Entry {
  keyId: number;
  value: string;
  status?: string;
  outputPrefixType?: string;
  typeUrl?: string;
}

function keyset(entries: Entry[]): string {
  return JSON.stringify({
    primaryKeyId: entries[0]?.keyId,
    key: entries.map((e) => ({
      keyData: {
        typeUrl: e.typeUrl ?? 'type.googleapis.com/google.crypto.tink.EcdsaPublicKey',
        value: e.value,
        keyMaterialType: 'ASYMMETRIC_PUBLIC',
      },
      status: e.status ?? 'ENABLED',
      keyId: e.keyId,
      outputPrefixType: e.outputPrefixType ?? 'TINK',
    })),
  });
}

const pair = (): { privateKey: KeyObject; publicKey: KeyObject } =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' });

function tinkSignature(keyId: number, privateKey: KeyObject, body: Buffer): string {
  const prefix = Buffer.alloc(5);
  prefix[0] = 1;
  prefix.writeUInt32BE(keyId, 1);
  return Buffer.concat([prefix, sign('sha256', body, { key: privateKey, dsaEncoding: 'der' })]).toString(
    'base64',
  );
}

describe('decodeEcdsaPublicKey', () => {
  it("should decode a key from Google's live keyset to a P-256 point", () => {
    const key = decodeEcdsaPublicKey(Buffer.from(GOOGLE_LIVE_VALUE, 'base64'));
    const jwk = key.export({ format: 'jwk' });
    expect(jwk.crv).toBe('P-256');
    expect(Buffer.from(jwk.x ?? '', 'base64url').toString('hex')).toBe(
      '435a0de46a269b8edad55db4926dc9fa7b742a8822c3f81e06ba10bf6750ba9a',
    );
  });

  it('should decode x and y written with or without the leading zero byte', () => {
    const { publicKey } = pair();
    const expected = publicKey.export({ format: 'jwk' });
    for (const opts of [{}, { lead: '' }, { stripX: true }, { version: 0 }]) {
      const decoded = decodeEcdsaPublicKey(Buffer.from(publicKeyValue(publicKey, opts), 'base64'));
      expect(decoded.export({ format: 'jwk' })).toEqual(expected);
    }
  });

  it.each([
    ['SHA512 hash', '080410021802'],
    ['P-384 curve', '080310031802'],
    ['IEEE P1363 encoding', '080310021801'],
    ['no params', ''],
  ])('should refuse %s', (_, params) => {
    const value = Buffer.from(publicKeyValue(pair().publicKey, { params }), 'base64');
    expect(() => decodeEcdsaPublicKey(value)).toThrow(KeysetFormatError);
  });

  it('should refuse a point off the curve, a newer version and truncated bytes', () => {
    const bad = Buffer.from(GOOGLE_LIVE_VALUE, 'base64');
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    expect(() => decodeEcdsaPublicKey(bad)).toThrow(/not on P-256/);
    const v1 = Buffer.from(publicKeyValue(pair().publicKey, { version: 1 }), 'base64');
    expect(() => decodeEcdsaPublicKey(v1)).toThrow(/version/);
    const good = Buffer.from(GOOGLE_LIVE_VALUE, 'base64');
    expect(() => decodeEcdsaPublicKey(good.subarray(0, 40))).toThrow(/truncated/);
    expect(() => readProtoFields(Buffer.from([0x08, 0x80]))).toThrow(/truncated varint/);
  });

  it('should skip fixed-width fields it does not know', () => {
    const fields = readProtoFields(Buffer.from('0d01020304' + '110102030405060708' + '0805', 'hex'));
    expect(fields).toEqual([{ no: 1, varint: 5n }]);
  });
});

describe('parseKeyset', () => {
  it('should keep ENABLED ECDSA keys with TINK or RAW prefixes and skip the rest', () => {
    const keys = [pair(), pair(), pair(), pair(), pair()].map((k) => publicKeyValue(k.publicKey));
    const parsed = parseKeyset(
      keyset([
        { keyId: 0xfedcba98, value: keys[0]! },
        { keyId: 2, value: keys[1]!, outputPrefixType: 'RAW' },
        { keyId: 3, value: keys[2]!, status: 'DISABLED' },
        { keyId: 4, value: keys[3]!, outputPrefixType: 'LEGACY' },
        { keyId: 5, value: keys[4]!, typeUrl: 'type.googleapis.com/google.crypto.tink.Ed25519PublicKey' },
        { keyId: 6, value: 'not-a-key' },
      ]),
    );
    expect(parsed.keys.map((k) => [k.keyId, k.outputPrefixType])).toEqual([
      [0xfedcba98, 'TINK'],
      [2, 'RAW'],
    ]);
    expect(parsed.skipped).toBe(4);
  });

  it('should fail on JSON that is no keyset or holds no usable key', () => {
    expect(() => parseKeyset('nope')).toThrow(KeysetFormatError);
    expect(() => parseKeyset('{"primaryKeyId":1}')).toThrow(/"key" array/);
    expect(() => parseKeyset(keyset([{ keyId: 1, value: 'AAAA', status: 'DISABLED' }]))).toThrow(/no usable/);
  });
});

describe('signature verification', () => {
  const body = Buffer.from('[{"data":{"healthUserId":"1"}}]');

  it('should verify a TINK-prefixed signature with the key its id names, over the exact bytes', () => {
    const a = pair();
    const b = pair();
    const ks = parseKeyset(
      keyset([
        { keyId: 7, value: publicKeyValue(a.publicKey) },
        { keyId: 8, value: publicKeyValue(b.publicKey) },
      ]),
    );
    const sig = decodeSignature(tinkSignature(8, b.privateKey, body));
    expect(sig?.keyId).toBe(8);
    expect(candidateKeys(ks, sig!).map((k) => k.keyId)).toEqual([8]);
    expect(verifyWith(candidateKeys(ks, sig!), body, sig!.der)).toBe(true);
    expect(verifyWith(candidateKeys(ks, sig!), Buffer.from(`${body.toString()} `), sig!.der)).toBe(false);
    // Signed by key 8 but naming key 7: the named key does not verify it.
    const misnamed = decodeSignature(tinkSignature(7, b.privateKey, body));
    expect(verifyWith(candidateKeys(ks, misnamed!), body, misnamed!.der)).toBe(false);
  });

  it('should try RAW keys for a bare DER signature', () => {
    const a = pair();
    const ks = parseKeyset(
      keyset([{ keyId: 9, value: publicKeyValue(a.publicKey), outputPrefixType: 'RAW' }]),
    );
    const der = sign('sha256', body, { key: a.privateKey, dsaEncoding: 'der' });
    const sig = decodeSignature(der.toString('base64url'));
    expect(sig?.keyId).toBeUndefined();
    expect(verifyWith(candidateKeys(ks, sig!), body, sig!.der)).toBe(true);
  });

  it('should treat malformed headers and signatures as invalid, never throw', () => {
    for (const header of ['', '!!!', 'AQID', 'A'.repeat(200), 'not base64 at all']) {
      expect(decodeSignature(header)).toBeUndefined();
    }
    const ks = parseKeyset(keyset([{ keyId: 1, value: publicKeyValue(pair().publicKey) }]));
    const junk = decodeSignature(Buffer.from([1, 0, 0, 0, 1, 0x30, 0x02, 0xff, 0x00]).toString('base64'));
    expect(junk?.keyId).toBe(1);
    expect(verifyWith(candidateKeys(ks, junk!), body, junk!.der)).toBe(false);
  });
});
