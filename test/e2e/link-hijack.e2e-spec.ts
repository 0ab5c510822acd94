import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { newEhrUserId } from '../support/fixtures.js';
import { confirmationCodeOf, confirmLink } from '../simulators/shared/link-flow.js';
import {
  APP_ORIGIN,
  hop,
  linkThrough,
  newGoogleUser,
  newWithingsUser,
  startLinkingHarness,
  type Hop,
  type LinkingHarness,
} from './linking.harness.js';

type Provider = 'withings' | 'fitbit';
const PROVIDERS: readonly Provider[] = ['withings', 'fitbit'];
const UNKNOWN_CODE = {
  error: 'not_found',
  message: 'Unknown, expired or already used confirmation code',
  details: {},
};

/**
 * The hijack: patient B starts a link for their own record and forwards the provider's consent page to patient A,
 * who approves it with A's account. Nothing may attach A's account to B, and an account that A holds never moves.
 */
describe('link hijacking (confirmation bound to the patient)', () => {
  let h: LinkingHarness;
  let keys: ApiKeyService;

  const patientAuth = async (ehrUserId: string): Promise<{ Authorization: string }> => {
    const { key } = await keys.create({ name: `app-${ehrUserId}`, role: 'patient', ehrUserId });
    return { Authorization: `Bearer ${key}` };
  };
  /** A fresh provider account at the simulator, armed to be approved on the next consent page. */
  const victimAccount = (provider: Provider): string => {
    if (provider === 'withings') {
      const userid = newWithingsUser(h.withings);
      h.withings.approveNext(userid);
      return String(userid);
    }
    const { healthUserId } = newGoogleUser(h.google);
    h.google.approveNext(healthUserId);
    return healthUserId;
  };
  const rearm = (provider: Provider, account: string): void => {
    if (provider === 'withings') {
      h.withings.approveNext(Number(account));
    } else {
      h.google.approveNext(account);
    }
  };
  /** B's app starts the flow; A's browser opens the forwarded authorize URL and approves. */
  const forwardedConsent = async (
    provider: Provider,
    starter: string,
    auth: Record<string, string>,
    query: Record<string, string> = {},
  ): Promise<Hop> => {
    const params = new URLSearchParams({
      ehr_user_id: starter,
      success_url: `${APP_ORIGIN}/linked`,
      ...query,
    });
    const start = await hop(`${h.base}/api/base/link/${provider}/?${params.toString()}`, auth);
    expect(start.status).toBe(302);
    const consent = await hop(start.location ?? '');
    expect(consent.status).toBe(302);
    return hop(consent.location ?? '');
  };
  const linksOfAccount = (provider: Provider, account: string): Promise<{ ehr_user_id: string }[]> =>
    h.t.dataSource.query(
      `SELECT u.ehr_user_id, l.status, l.access_token_enc FROM provider_links l
         JOIN ehr_users u ON u.id = l.user_id JOIN providers p ON p.id = l.provider_id
        WHERE p.provider_type = $1 AND l.external_user_id = $2`,
      [provider, account],
    );
  const auditOf = (ehrUserId: string, action: string): Promise<{ details: Record<string, unknown> }[]> =>
    h.t.dataSource.query(`SELECT details FROM audit_events WHERE ehr_user_id = $1 AND action = $2`, [
      ehrUserId,
      action,
    ]);
  const pendingCount = async (ehrUserId: string): Promise<number> =>
    Number(
      (
        await h.t.dataSource.query<{ n: string }[]>(
          `SELECT count(*) AS n FROM pending_links WHERE ehr_user_id = $1`,
          [ehrUserId],
        )
      )[0]?.n,
    );

  beforeAll(async () => {
    h = await startLinkingHarness();
    keys = h.t.app.get(ApiKeyService);
  });
  afterAll(async () => {
    await h.stop();
  });

  describe.each(PROVIDERS)('%s', (provider) => {
    it("should never attach the account of the person who approved a forwarded consent to the starter's record", async () => {
      const [b, a] = [newEhrUserId('b'), newEhrUserId('a')];
      const [bAuth, aAuth] = [await patientAuth(b), await patientAuth(a)];
      const account = victimAccount(provider);

      const landing = await forwardedConsent(provider, b, bAuth);
      // The callback links nothing: it parks the grant and hands A's browser a one-time code.
      const code = confirmationCodeOf(landing);
      expect(code).toBeDefined();
      expect(await linksOfAccount(provider, account)).toEqual([]);
      expect(await pendingCount(b)).toBe(1);

      // A's clinical app (A's credential) redeems the code it found in A's browser: refused, grant discarded.
      const byVictim = await confirmLink(h, provider, { confirmation_code: code ?? '' }, aAuth);
      expect(byVictim).toEqual({ status: 404, body: expect.objectContaining(UNKNOWN_CODE) });
      expect(await pendingCount(b)).toBe(0);
      // Even had B obtained the code, it is gone now.
      const byStarter = await confirmLink(h, provider, { confirmation_code: code ?? '' }, bAuth);
      expect(byStarter).toEqual({ status: 404, body: expect.objectContaining(UNKNOWN_CODE) });

      expect(await linksOfAccount(provider, account)).toEqual([]);
      expect(await auditOf(b, 'link.confirmation_refused')).toEqual([
        {
          details: expect.objectContaining({ presented_for: a, provider_revocation: 'revoked' }) as unknown,
        },
      ]);
    });

    it("should refuse a service credential confirming another patient's code", async () => {
      const [b, a] = [newEhrUserId('b'), newEhrUserId('a')];
      const account = victimAccount(provider);
      const code = confirmationCodeOf(await forwardedConsent(provider, b, h.auth)) ?? '';
      const wrong = await confirmLink(h, provider, { confirmation_code: code, ehr_user_id: a });
      expect(wrong.status).toBe(404);
      expect(wrong.body).toMatchObject(UNKNOWN_CODE);
      expect(await linksOfAccount(provider, account)).toEqual([]);
    });

    it("should link once the starter's own credential confirms, and only once", async () => {
      const b = newEhrUserId('b');
      const bAuth = await patientAuth(b);
      const account = victimAccount(provider);
      const code = confirmationCodeOf(await forwardedConsent(provider, b, bAuth)) ?? '';
      const ok = await confirmLink(h, provider, { confirmation_code: code }, bAuth);
      expect(ok).toEqual({
        status: 200,
        body: {
          message: 'Provider linked',
          ehr_user_id: b,
          provider,
          status: 'linked',
          external_user_id: account,
        },
      });
      expect(await linksOfAccount(provider, account)).toMatchObject([{ ehr_user_id: b, status: 'active' }]);
      const again = await confirmLink(h, provider, { confirmation_code: code }, bAuth);
      expect(again.status).toBe(404);
    });

    it('should refuse an account another patient holds with account_linked_elsewhere, until its owner unlinks', async () => {
      const [owner, other] = [newEhrUserId('owner'), newEhrUserId('other')];
      const account = victimAccount(provider);
      expect((await linkThrough(h, provider, { ehr_user_id: owner })).confirmed?.status).toBe(200);
      const [before] = await linksOfAccount(provider, account);

      rearm(provider, account);
      const refused = await forwardedConsent(provider, other, h.auth, { error_url: `${APP_ORIGIN}/failed` });
      expect(refused).toMatchObject({
        status: 302,
        location: `${APP_ORIGIN}/failed?error=account_linked_elsewhere`,
      });
      rearm(provider, account);
      const plain = await linkThrough(h, provider, { ehr_user_id: other });
      expect(plain.final.status).toBe(409);
      expect(JSON.parse(plain.final.body)).toMatchObject({ error: 'account_linked_elsewhere' });

      // The owner's link is untouched: same patient, still active, same sealed tokens; nothing pending.
      expect(await linksOfAccount(provider, account)).toEqual([before]);
      expect(await pendingCount(other)).toBe(0);
      expect(await auditOf(other, 'link.refused_linked_elsewhere')).toHaveLength(2);

      const unlinked = await fetch(`${h.base}/api/base/link/${provider}/?ehr_user_id=${owner}`, {
        method: 'DELETE',
        headers: h.auth,
      });
      expect(unlinked.status).toBe(200);
      rearm(provider, account);
      expect((await linkThrough(h, provider, { ehr_user_id: other })).confirmed?.status).toBe(200);
      expect(await linksOfAccount(provider, account)).toMatchObject([
        { ehr_user_id: other, status: 'active' },
      ]);
    });
  });

  it('should refuse an expired code and forget it', async () => {
    const b = newEhrUserId('late');
    victimAccount('withings');
    const code = confirmationCodeOf(await forwardedConsent('withings', b, h.auth)) ?? '';
    await h.t.dataSource.query(
      `UPDATE pending_links SET expires_at = now() - interval '1 second' WHERE ehr_user_id = $1`,
      [b],
    );
    const late = await confirmLink(h, 'withings', { confirmation_code: code, ehr_user_id: b });
    expect(late.status).toBe(404);
    expect(late.body).toMatchObject(UNKNOWN_CODE);
  });

  it('should ask a service credential to name the patient it confirms for', async () => {
    const res = await confirmLink(h, 'withings', { confirmation_code: 'x'.repeat(43) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'validation_error',
      details: { ehr_user_id: expect.any(Array) },
    });
    const malformed = await confirmLink(h, 'withings', { confirmation_code: 'short', ehr_user_id: 'u-1' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ details: { confirmation_code: ['Not a confirmation code.'] } });
  });
});

describe('linking with LINK_CONFIRMATION=off (server-side completion, weaker)', () => {
  let h: LinkingHarness;

  beforeAll(async () => {
    h = await startLinkingHarness({ LINK_CONFIRMATION: 'off' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should link at the callback and still refuse an account another patient holds', async () => {
    const userid = newWithingsUser(h.withings);
    const [owner, other] = [newEhrUserId('owner'), newEhrUserId('other')];
    h.withings.approveNext(userid);
    const first = await linkThrough(h, 'withings', { ehr_user_id: owner, success_url: `${APP_ORIGIN}/ok` });
    expect(first.final).toMatchObject({ status: 302, location: `${APP_ORIGIN}/ok` });
    expect(first.confirmed).toBeUndefined();
    h.withings.approveNext(userid);
    const second = await linkThrough(h, 'withings', { ehr_user_id: other });
    expect(second.final.status).toBe(409);
    const [row] = await h.t.dataSource.query<{ ehr_user_id: string }[]>(
      `SELECT u.ehr_user_id FROM provider_links l JOIN ehr_users u ON u.id = l.user_id
        WHERE l.external_user_id = $1`,
      [String(userid)],
    );
    expect(row?.ehr_user_id).toBe(owner);
  });
});
