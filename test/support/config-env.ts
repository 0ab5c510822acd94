import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';

export const BASE = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
  REDIS_URL: 'redis://127.0.0.1:6379',
} as const;

export function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ...BASE, ...overrides };
}

/** Runs loadConfig expecting it to fail and returns the ConfigError's message. */
export function failure(vars: Record<string, string | undefined>): string {
  try {
    loadConfig(vars);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('loadConfig accepted an invalid environment');
}
