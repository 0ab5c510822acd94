import { describe, expect, it } from 'vitest';
import { loggedUrl, scrubUrl } from './scrub.js';

const REDACTED = '[redacted]';

function query(url: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(url.slice(url.indexOf('?') + 1)));
}

describe(scrubUrl.name, () => {
  it.each([
    'code',
    'state',
    'access_token',
    'verify',
    'challenge',
    'api_key',
    'refresh_token',
    'client_secret',
    'confirmation_code',
  ])('should redact the value of %s', (name) => {
    const scrubbed = scrubUrl(`/callback?${name}=s3cr3t&provider=withings`);
    expect(scrubbed.startsWith('/callback?')).toBe(true);
    expect(query(scrubbed)).toEqual({ [name]: REDACTED, provider: 'withings' });
    expect(scrubbed).not.toContain('s3cr3t');
  });

  it.each(['CODE', 'Access_Token', 'API_KEY', 'State'])(
    'should match secret names case-insensitively (%s)',
    (name) => {
      const scrubbed = scrubUrl(`/x?${name}=s3cr3t`);
      expect(query(scrubbed)).toEqual({ [name]: REDACTED });
    },
  );

  it('should write the marker URL-encoded, as URLSearchParams does', () => {
    expect(scrubUrl('/oauth/callback?code=abc')).toBe('/oauth/callback?code=%5Bredacted%5D');
  });

  it('should keep ordinary parameters and their order', () => {
    const scrubbed = scrubUrl(
      '/api/base/sync/status?ehr_user_id=patient-1&provider=fitbit&limit=5&state=xyz',
    );
    expect([...new URLSearchParams(scrubbed.split('?')[1])]).toEqual([
      ['ehr_user_id', 'patient-1'],
      ['provider', 'fitbit'],
      ['limit', '5'],
      ['state', REDACTED],
    ]);
  });

  it('should redact every occurrence of a repeated secret', () => {
    const scrubbed = scrubUrl('/x?code=one&limit=1&code=two');
    expect(scrubbed).not.toContain('one');
    expect(scrubbed).not.toContain('two');
    expect(new URLSearchParams(scrubbed.split('?')[1]).getAll('code')).toEqual([REDACTED]);
  });

  it('should leave a URL without secrets untouched in meaning', () => {
    expect(query(scrubUrl('/x?ehr_user_id=p1&provider=withings&limit=10'))).toEqual({
      ehr_user_id: 'p1',
      provider: 'withings',
      limit: '10',
    });
  });

  it.each(['/api/base/providers/', '/health', 'https://ohe.example.org/webhooks/withings/', ''])(
    'should return %j unchanged when it has no query',
    (url) => {
      expect(scrubUrl(url)).toBe(url);
    },
  );
});

describe(loggedUrl.name, () => {
  const SECRET = 'withings-hook-secret-0123456789';

  it('should log a secret route as its template, never its path', () => {
    const line = loggedUrl({
      originalUrl: `/webhooks/withings/${SECRET}/?challenge=abc`,
      routeTemplate: '/webhooks/withings/:token',
    });
    expect(line).toBe('/webhooks/withings/:token?challenge=%5Bredacted%5D');
    expect(line).not.toContain(SECRET);
  });

  it('should keep the path of ordinary routes, with secret query parameters redacted', () => {
    expect(
      loggedUrl({ originalUrl: '/api/base/providers/3/?code=x', routeTemplate: '/api/base/providers/:id' }),
    ).toBe('/api/base/providers/3/?code=%5Bredacted%5D');
  });

  it('should blank credential-shaped segments of a path that matched no route', () => {
    const line = loggedUrl({ url: `/webhooks/withings/${SECRET}/extra/12`, routeTemplate: undefined });
    expect(line).toBe('/webhooks/withings/[redacted]/extra/12');
  });
});
