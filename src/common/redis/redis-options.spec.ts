import { describe, expect, it } from 'vitest';
import { redisOptionsFromUrl } from './redis-options.js';

describe(redisOptionsFromUrl.name, () => {
  it('should default the port to 6379 and the db to 0', () => {
    expect(redisOptionsFromUrl('redis://cache')).toEqual({ host: 'cache', port: 6379, db: 0 });
    expect(redisOptionsFromUrl('redis://cache/')).toEqual({ host: 'cache', port: 6379, db: 0 });
  });

  it('should read host, port and db', () => {
    expect(redisOptionsFromUrl('redis://127.0.0.1:6380/3')).toEqual({ host: '127.0.0.1', port: 6380, db: 3 });
  });

  it('should fall back to db 0 for a non-numeric path', () => {
    expect(redisOptionsFromUrl('redis://cache/abc').db).toBe(0);
  });

  it('should URL-decode the username and password', () => {
    expect(redisOptionsFromUrl('redis://ohe%40app:p%40ss%3Aw%2Frd@cache:6379/1')).toEqual({
      host: 'cache',
      port: 6379,
      username: 'ohe@app',
      password: 'p@ss:w/rd',
      db: 1,
    });
  });

  it('should take a password without a username', () => {
    const options = redisOptionsFromUrl('redis://:secret@cache');
    expect(options.password).toBe('secret');
    expect(options).not.toHaveProperty('username');
  });

  it('should enable TLS for rediss:// only', () => {
    expect(redisOptionsFromUrl('rediss://cache.example.org:6380')).toEqual({
      host: 'cache.example.org',
      port: 6380,
      db: 0,
      tls: {},
    });
    expect(redisOptionsFromUrl('redis://cache')).not.toHaveProperty('tls');
  });

  it('should strip the brackets from an IPv6 host', () => {
    expect(redisOptionsFromUrl('redis://[::1]:6379').host).toBe('::1');
  });
});
