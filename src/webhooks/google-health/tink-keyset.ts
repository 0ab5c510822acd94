import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/**
 * Google signs Health API notifications with Tink (ECDSA P-256, SHA-256, DER) and publishes the public keys as a
 * Tink JSON keyset. Tink itself is not a dependency: the keyset's few protobuf bytes are decoded here.
 */

const ECDSA_PUBLIC_KEY_TYPE_URL = 'type.googleapis.com/google.crypto.tink.EcdsaPublicKey';
/** Tink enum values (tink/proto/common.proto, ecdsa.proto). */
const HASH_SHA256 = 3;
const CURVE_NIST_P256 = 2;
const ENCODING_DER = 2;
const COORDINATE_BYTES = 32;
/** Tink's TINK output prefix: this byte, then the 4-byte big-endian key id, then the raw signature. */
const TINK_PREFIX_BYTE = 0x01;
const TINK_PREFIX_LENGTH = 5;

export type OutputPrefixType = 'TINK' | 'RAW';

export interface VerificationKey {
  readonly keyId: number;
  readonly outputPrefixType: OutputPrefixType;
  readonly publicKey: KeyObject;
}

export interface Keyset {
  readonly keys: readonly VerificationKey[];
  /** Keyset entries that were present but could not be used (disabled, another algorithm, malformed). */
  readonly skipped: number;
}

export class KeysetFormatError extends Error {
  override readonly name = 'KeysetFormatError';
}

/** A protobuf field: varints as bigint (enum values and versions), length-delimited fields as bytes. */
type ProtoField =
  | { readonly no: number; readonly varint: bigint }
  | { readonly no: number; readonly bytes: Buffer };

function readVarint(buf: Buffer, at: number): { value: bigint; next: number } {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = buf[at + i];
    if (byte === undefined) {
      throw new KeysetFormatError('truncated varint');
    }
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) {
      return { value, next: at + i + 1 };
    }
  }
  throw new KeysetFormatError('varint longer than 10 bytes');
}

/** The top-level fields of one protobuf message, in wire order; fixed-width fields are skipped. */
export function readProtoFields(buf: Buffer): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  while (at < buf.length) {
    const tag = readVarint(buf, at);
    at = tag.next;
    const no = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (no === 0) {
      throw new KeysetFormatError('field number 0');
    }
    if (wireType === 0) {
      const v = readVarint(buf, at);
      fields.push({ no, varint: v.value });
      at = v.next;
    } else if (wireType === 2) {
      const len = readVarint(buf, at);
      const end = len.next + Number(len.value);
      if (len.value > BigInt(buf.length) || end > buf.length) {
        throw new KeysetFormatError('truncated length-delimited field');
      }
      fields.push({ no, bytes: buf.subarray(len.next, end) });
      at = end;
    } else if (wireType === 1 || wireType === 5) {
      at += wireType === 1 ? 8 : 4;
      if (at > buf.length) {
        throw new KeysetFormatError('truncated fixed-width field');
      }
    } else {
      throw new KeysetFormatError(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

/** proto3 semantics: the last occurrence wins, an absent scalar is zero. */
function varintField(fields: readonly ProtoField[], no: number): bigint {
  let value = 0n;
  for (const f of fields) {
    if (f.no === no && 'varint' in f) {
      value = f.varint;
    }
  }
  return value;
}

function bytesField(fields: readonly ProtoField[], no: number): Buffer | undefined {
  let value: Buffer | undefined;
  for (const f of fields) {
    if (f.no === no && 'bytes' in f) {
      value = f.bytes;
    }
  }
  return value;
}

/** A big-endian unsigned coordinate (Tink writes it with a leading 0x00) as exactly 32 bytes. */
function coordinate(bytes: Buffer | undefined, name: string): Buffer {
  if (bytes === undefined) {
    throw new KeysetFormatError(`missing ${name}`);
  }
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) {
    start++;
  }
  const significant = bytes.subarray(start);
  if (significant.length > COORDINATE_BYTES) {
    throw new KeysetFormatError(`${name} longer than ${COORDINATE_BYTES} bytes`);
  }
  return Buffer.concat([Buffer.alloc(COORDINATE_BYTES - significant.length), significant]);
}

/**
 * Decodes a serialized google.crypto.tink.EcdsaPublicKey (version 0, P-256 / SHA-256 / DER params) into a
 * public key. The JWK import checks that the point lies on the curve.
 */
export function decodeEcdsaPublicKey(serialized: Buffer): KeyObject {
  const fields = readProtoFields(serialized);
  if (varintField(fields, 1) !== 0n) {
    throw new KeysetFormatError('unsupported EcdsaPublicKey version');
  }
  const params = readProtoFields(bytesField(fields, 2) ?? Buffer.alloc(0));
  const hash = varintField(params, 1);
  const curve = varintField(params, 2);
  const encoding = varintField(params, 3);
  if (
    hash !== BigInt(HASH_SHA256) ||
    curve !== BigInt(CURVE_NIST_P256) ||
    encoding !== BigInt(ENCODING_DER)
  ) {
    throw new KeysetFormatError(`unsupported params hash=${hash} curve=${curve} encoding=${encoding}`);
  }
  const x = coordinate(bytesField(fields, 3), 'x');
  const y = coordinate(bytesField(fields, 4), 'y');
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: x.toString('base64url'), y: y.toString('base64url') },
      format: 'jwk',
    });
  } catch {
    throw new KeysetFormatError('point is not on P-256');
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function usableKey(entry: unknown): VerificationKey | undefined {
  if (!isRecord(entry) || entry['status'] !== 'ENABLED') {
    return undefined;
  }
  const { keyId, outputPrefixType, keyData } = entry;
  if (typeof keyId !== 'number' || !Number.isInteger(keyId) || keyId < 0 || keyId > 0xffff_ffff) {
    return undefined;
  }
  if (outputPrefixType !== 'TINK' && outputPrefixType !== 'RAW') {
    return undefined;
  }
  if (
    !isRecord(keyData) ||
    keyData['typeUrl'] !== ECDSA_PUBLIC_KEY_TYPE_URL ||
    keyData['keyMaterialType'] !== 'ASYMMETRIC_PUBLIC' ||
    typeof keyData['value'] !== 'string'
  ) {
    return undefined;
  }
  try {
    return {
      keyId,
      outputPrefixType,
      publicKey: decodeEcdsaPublicKey(Buffer.from(keyData['value'], 'base64')),
    };
  } catch {
    return undefined;
  }
}

/**
 * The usable verification keys of a Tink JSON public keyset: ENABLED ECDSA P-256/SHA-256/DER keys with TINK or
 * RAW output prefix. Other entries are skipped rather than fatal, so a key type Google adds later does not take
 * the receiver down; a keyset with no usable key at all is an error.
 */
export function parseKeyset(json: string): Keyset {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new KeysetFormatError('keyset is not JSON');
  }
  if (!isRecord(doc) || !Array.isArray(doc['key'])) {
    throw new KeysetFormatError('keyset has no "key" array');
  }
  const entries: unknown[] = doc['key'];
  const keys = entries.map(usableKey).filter((k): k is VerificationKey => k !== undefined);
  if (keys.length === 0) {
    throw new KeysetFormatError('keyset holds no usable ECDSA P-256 key');
  }
  return { keys, skipped: entries.length - keys.length };
}

/** A signature header value, decoded: the TINK key id it names (if prefixed) and the DER signature. */
export interface DecodedSignature {
  readonly keyId: number | undefined;
  readonly der: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** Prefix plus the longest P-256 DER signature (72 bytes), with slack; anything longer is not a signature. */
const MAX_SIGNATURE_BYTES = 96;

/** Decodes the header (standard or URL-safe base64); undefined when it cannot be a signature. */
export function decodeSignature(header: string): DecodedSignature | undefined {
  const text = header.trim();
  if (!BASE64.test(text)) {
    return undefined;
  }
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (bytes.length < 8 || bytes.length > MAX_SIGNATURE_BYTES) {
    return undefined;
  }
  if (bytes[0] === TINK_PREFIX_BYTE) {
    return { keyId: bytes.readUInt32BE(1), der: bytes.subarray(TINK_PREFIX_LENGTH) };
  }
  return { keyId: undefined, der: bytes };
}

/** The keys a decoded signature may have been made with: the TINK key it names, or every RAW key. */
export function candidateKeys(keyset: Keyset, sig: DecodedSignature): VerificationKey[] {
  return sig.keyId === undefined
    ? keyset.keys.filter((k) => k.outputPrefixType === 'RAW')
    : keyset.keys.filter((k) => k.outputPrefixType === 'TINK' && k.keyId === sig.keyId);
}

/** ECDSA-SHA256 (DER) verification over the exact bytes received; a malformed signature is just invalid. */
export function verifyWith(keys: readonly VerificationKey[], data: Buffer, der: Buffer): boolean {
  return keys.some((k) => {
    try {
      return verify('sha256', data, { key: k.publicKey, dsaEncoding: 'der' }, der);
    } catch {
      return false;
    }
  });
}
