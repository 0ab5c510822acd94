import type { JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { isServiceToken } from './jwt-verifier.service.js';

const VALUE = 'ohe:service';

describe(isServiceToken.name, () => {
  it.each<[string, string, JWTPayload, boolean]>([
    ['scope', 'a space-separated scope holding it', { scope: `openid ${VALUE} profile` }, true],
    ['scope', 'a scope array holding it', { scope: ['openid', VALUE] }, true],
    ['scope', 'a scope with a longer value', { scope: `${VALUE}:read` }, false],
    ['scope', 'the value under scp', { scp: VALUE }, false],
    ['scope', 'the value under roles', { roles: [VALUE] }, false],
    ['scope', 'no claim', {}, false],
    ['scp', 'an scp string holding it', { scp: `openid ${VALUE}` }, true],
    ['scp', 'the value under scope', { scope: VALUE }, false],
    ['roles', 'a roles array holding it', { roles: ['patient', VALUE] }, true],
    ['roles', 'a roles string equal to it', { roles: VALUE }, true],
    ['roles', 'a roles string merely holding it', { roles: `patient ${VALUE}` }, false],
    ['roles', 'a roles object', { roles: { [VALUE]: true } }, false],
    ['roles', 'the value under scope', { scope: VALUE }, false],
  ])('with OIDC_SERVICE_CLAIM=%s, should judge %s as %s', (claim, _label, payload, expected) => {
    expect(isServiceToken(payload, { serviceClaim: claim, serviceValue: VALUE })).toBe(expected);
  });
});
