import { createHash } from 'node:crypto';

/**
 * Token and code values derived from a per-instance counter, so a failing run can be replayed byte for byte.
 * The seed keeps two simulators in one process from handing out the same values.
 */
export class DeterministicIds {
  private counter = 0;

  constructor(private readonly seed: string) {}

  private digest(kind: string): Buffer {
    this.counter += 1;
    return createHash('sha256').update(`${this.seed}|${kind}|${this.counter}`).digest();
  }

  hex(kind: string, length: number): string {
    return this.digest(kind).toString('hex').repeat(2).slice(0, length);
  }

  base64url(kind: string, length: number): string {
    let out = '';
    while (out.length < length) {
      out += this.digest(kind).toString('base64url');
    }
    return out.slice(0, length);
  }

  alphanumeric(kind: string, length: number): string {
    let out = '';
    while (out.length < length) {
      out += this.digest(kind)
        .toString('base64')
        .replace(/[^A-Za-z0-9]/g, '');
    }
    return out.slice(0, length);
  }
}

let instances = 0;

/** A seed unique within the process but stable across runs that start simulators in the same order. */
export function nextSeed(name: string): string {
  instances += 1;
  return `${name}#${instances}`;
}
