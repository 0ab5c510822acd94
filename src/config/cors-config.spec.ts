import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';
import { env, failure } from '../../test/support/config-env.js';

describe('CORS settings', () => {
  it('should leave CORS off by default and when CORS_ORIGINS is empty', () => {
    expect(loadConfig(env()).cors).toBeUndefined();
    expect(loadConfig(env({ CORS_ORIGINS: ' , ', CORS_ALLOW_CREDENTIALS: 'true' })).cors).toBeUndefined();
  });

  it('should read the origins, credentials and preflight max age', () => {
    expect(loadConfig(env({ CORS_ORIGINS: 'https://app.example' })).cors).toEqual({
      origins: ['https://app.example'],
      allowCredentials: false,
      maxAgeS: 600,
    });
    const cors = loadConfig(
      env({
        CORS_ORIGINS: ' https://app.example , http://localhost:5173,https://app.example',
        CORS_ALLOW_CREDENTIALS: 'true',
        CORS_MAX_AGE_S: '86400',
      }),
    ).cors;
    expect(cors).toEqual({
      origins: ['https://app.example', 'http://localhost:5173'],
      allowCredentials: true,
      maxAgeS: 86_400,
    });
  });

  it('should refuse the wildcard, naming CORS_ORIGINS', () => {
    for (const value of ['*', 'https://app.example,*']) {
      expect(failure(env({ CORS_ORIGINS: value }))).toBe(
        'Invalid configuration: CORS_ORIGINS (* is refused: list exact origins such as https://app.example)',
      );
    }
  });

  it.each([
    ['https://app.example/'],
    ['https://app.example/ehr'],
    ['https://App.example'],
    ['https://app.example:443'],
    ['app.example'],
    ['ftp://app.example'],
    ['null'],
    ['https://user@app.example'],
    ['https://app.example?x=1'],
  ])('should refuse %s as not an exact origin', (value) => {
    expect(failure(env({ CORS_ORIGINS: `https://ok.example,${value}` }))).toBe(
      `Invalid configuration: CORS_ORIGINS (not an exact scheme://host[:port] origin: ${value})`,
    );
  });

  it.each([
    ['CORS_ALLOW_CREDENTIALS', 'maybe'],
    ['CORS_MAX_AGE_S', '86401'],
    ['CORS_MAX_AGE_S', '-1'],
    ['CORS_MAX_AGE_S', 'ten'],
  ])('should refuse %s=%s in one line naming it', (name, value) => {
    const message = failure(env({ CORS_ORIGINS: 'https://app.example', [name]: value }));
    expect(message).toMatch(new RegExp(`^Invalid configuration: ${name} \\([^;]+\\)$`));
  });
});
