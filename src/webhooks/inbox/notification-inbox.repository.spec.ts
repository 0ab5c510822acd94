import { describe, expect, it } from 'vitest';
import { databaseUnavailable } from './notification-inbox.repository.js';

const pgError = (code: string): Error => Object.assign(new Error('from postgres'), { code });

describe(databaseUnavailable.name, () => {
  it('should count a database that cannot be reached or does not answer as unavailable', () => {
    for (const err of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('timeout exceeded when trying to connect'),
      new Error('Query read timeout'),
      new Error('Connection terminated unexpectedly'),
      pgError('57014'), // statement_timeout
      pgError('57P01'), // admin shutdown
      pgError('08006'), // connection failure
      pgError('53300'), // too many connections
    ]) {
      expect(databaseUnavailable(err)).toBe(true);
    }
  });

  it('should leave a statement the database refused as an error of its own', () => {
    expect(databaseUnavailable(pgError('22001'))).toBe(false); // value too long
    expect(databaseUnavailable(pgError('23505'))).toBe(false); // unique violation
    expect(databaseUnavailable(pgError('42P01'))).toBe(false); // undefined table
  });
});
