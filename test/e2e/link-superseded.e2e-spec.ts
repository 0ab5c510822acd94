import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkSubscriptionsService } from '../../src/ingestors/subscriptions/link-subscriptions.service.js';
import { TokenService } from '../../src/ingestors/tokens/token.service.js';
import { postForm } from '../simulators/shared/test-client.js';
import { newEhrUserId } from '../support/fixtures.js';
import {
  linkThrough,
  newGoogleUser,
  newWithingsUser,
  startLinkingHarness,
  type LinkingHarness,
} from './linking.harness.js';

/** A patient who links a second account of the same provider gives the first one back to the provider. */
describe('linking another account of the same provider', () => {
  let h: LinkingHarness;

  const linkIdOf = async (ehrUserId: string): Promise<number> => {
    const [row] = await h.t.dataSource.query<{ id: number }[]>(
      `SELECT l.id FROM provider_links l JOIN ehr_users u ON u.id = l.user_id WHERE u.ehr_user_id = $1`,
      [ehrUserId],
    );
    return row!.id;
  };
  const linkGoogle = async (ehrUserId: string, healthUserId: string): Promise<void> => {
    h.google.approveNext(healthUserId);
    expect((await linkThrough(h, 'fitbit', { ehr_user_id: ehrUserId })).final.status).toBe(200);
  };
  const refreshAnswer = async (refreshToken: string): Promise<unknown> =>
    (
      await postForm(h.google.tokenUrl, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: 'ohe-web.apps.googleusercontent.com',
        client_secret: 'GOCSPX-ohe-secret',
      })
    ).json;
  const audit = async (ehrUserId: string, action: string): Promise<Record<string, unknown> | undefined> =>
    (
      await h.t.dataSource.query<{ details: Record<string, unknown> }[]>(
        `SELECT details FROM audit_events WHERE ehr_user_id = $1 AND action = $2`,
        [ehrUserId, action],
      )
    )[0]?.details;

  beforeAll(async () => {
    h = await startLinkingHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should revoke the previous Withings account’s subscriptions before taking the new one', async () => {
    const ehrUserId = newEhrUserId('swap');
    const [before, after] = [newWithingsUser(h.withings), newWithingsUser(h.withings)];
    h.withings.approveNext(before);
    expect((await linkThrough(h, 'withings', { ehr_user_id: ehrUserId })).final.status).toBe(200);
    const linkId = await linkIdOf(ehrUserId);
    await h.t.app.get(LinkSubscriptionsService).ensure(linkId);
    expect(h.withings.subscriptions(before).length).toBeGreaterThan(0);

    h.withings.approveNext(after);
    expect((await linkThrough(h, 'withings', { ehr_user_id: ehrUserId })).final.status).toBe(200);
    expect(h.withings.subscriptions(before)).toEqual([]);
    const [row] = await h.t.dataSource.query<{ external_user_id: string; status: string }[]>(
      `SELECT external_user_id, status FROM provider_links WHERE id = $1`,
      [linkId],
    );
    expect(row).toEqual({ external_user_id: String(after), status: 'active' });
    expect(await audit(ehrUserId, 'link.account_changed')).toMatchObject({
      previous_external_user_id: String(before),
      superseded_account_revocation: 'revoked',
    });
  });

  it('should revoke the previous Google grant, also when the new account comes from a patient who unlinked it', async () => {
    const tokens = h.t.app.get(TokenService);
    const [patient, other] = [newEhrUserId('gswap'), newEhrUserId('gother')];
    const [own, moving] = [newGoogleUser(h.google).healthUserId, newGoogleUser(h.google).healthUserId];
    await linkGoogle(patient, own);
    await linkGoogle(other, moving);
    const ownTokens = await tokens.storedTokens(await linkIdOf(patient));

    // `other` unlinks `moving`, which then comes over to `patient`, whose own account gives way.
    const unlinked = await fetch(`${h.base}/api/base/link/fitbit/?ehr_user_id=${other}`, {
      method: 'DELETE',
      headers: h.auth,
    });
    expect(unlinked.status).toBe(200);
    await linkGoogle(patient, moving);
    expect(await refreshAnswer(ownTokens!.refreshToken)).toMatchObject({ error: 'invalid_grant' });
    expect(await audit(patient, 'link.moved')).toMatchObject({
      from_ehr_user_id: other,
      superseded_account_revocation: 'revoked',
    });
    const live = await tokens.storedTokens(await linkIdOf(patient));
    expect(await refreshAnswer(live!.refreshToken)).toHaveProperty('access_token');
  });

  it('should revoke nothing when the same account is authorized again', async () => {
    const ehrUserId = newEhrUserId('again');
    const { healthUserId } = newGoogleUser(h.google);
    await linkGoogle(ehrUserId, healthUserId);
    const first = await h.t.app.get(TokenService).storedTokens(await linkIdOf(ehrUserId));
    await linkGoogle(ehrUserId, healthUserId);
    const details = await audit(ehrUserId, 'link.reauthorized');
    expect(details).toBeDefined();
    expect(details).not.toHaveProperty('superseded_account_revocation');
    expect(await refreshAnswer(first!.refreshToken)).toHaveProperty('access_token');
  });
});
