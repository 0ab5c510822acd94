import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { loadConfig } from '../../src/config/app-config.js';
import { LinkSubscriptionsService } from '../../src/ingestors/subscriptions/link-subscriptions.service.js';
import { LinkTokenRepository } from '../../src/ingestors/tokens/link-token.repository.js';
import { TokenReencryptor } from '../../src/ingestors/tokens/token-reencryptor.js';
import { TokenVault } from '../../src/ingestors/tokens/token-vault.js';
import { LinkNotUsableError, TokenService } from '../../src/ingestors/tokens/token.service.js';
import { newEhrUserId } from '../support/fixtures.js';
import { postForm } from '../simulators/shared/test-client.js';
import {
  linkThrough,
  newKey,
  startLinkingHarness,
  WEBHOOK_SECRET,
  type LinkingHarness,
  newGoogleUser,
  newWithingsUser,
} from './linking.harness.js';

const HOUR = 3_600_000;

describe('provider tokens: storage, refresh, revocation', () => {
  let h: LinkingHarness;
  let tokens: TokenService;

  const linkWithings = async (): Promise<{ linkId: number; userid: number; ehrUserId: string }> => {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    const ehrUserId = newEhrUserId('tok');
    expect((await linkThrough(h, 'withings', { ehr_user_id: ehrUserId })).final.status).toBe(200);
    return { linkId: await linkIdOf(ehrUserId), userid, ehrUserId };
  };
  const linkGoogle = async (): Promise<{ linkId: number; healthUserId: string; ehrUserId: string }> => {
    const { healthUserId } = newGoogleUser(h.google);
    h.google.approveNext(healthUserId);
    const ehrUserId = newEhrUserId('gtok');
    expect((await linkThrough(h, 'fitbit', { ehr_user_id: ehrUserId })).final.status).toBe(200);
    return { linkId: await linkIdOf(ehrUserId), healthUserId, ehrUserId };
  };
  const linkIdOf = async (ehrUserId: string): Promise<number> => {
    const [row] = await h.t.dataSource.query<{ id: number }[]>(
      `SELECT l.id FROM provider_links l JOIN ehr_users u ON u.id = l.user_id WHERE u.ehr_user_id = $1`,
      [ehrUserId],
    );
    return row!.id;
  };
  const expire = (linkId: number): Promise<unknown> =>
    h.t.dataSource.query(
      `UPDATE provider_links SET token_expires_at = now() - interval '1 minute',
              token_issued_at = now() - interval '3 hours' WHERE id = $1`,
      [linkId],
    );
  const withingsList = async (accessToken: string): Promise<number> =>
    (
      (
        await postForm(
          `${h.withings.baseUrl}/notify`,
          { action: 'list' },
          { authorization: `Bearer ${accessToken}` },
        )
      ).json as { status: number }
    ).status;

  beforeAll(async () => {
    h = await startLinkingHarness();
    tokens = h.t.app.get(TokenService);
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should never store a token in plaintext', async () => {
    const { linkId } = await linkWithings();
    const stored = await tokens.storedTokens(linkId);
    const [raw] = await h.t.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM provider_links WHERE id = $1`,
      [linkId],
    );
    const dump = JSON.stringify(raw);
    expect(stored?.accessToken).toMatch(/^[0-9a-f]{40}$/);
    expect(dump).not.toContain(stored?.accessToken);
    expect(dump).not.toContain(stored?.refreshToken);
  });

  it('should refuse a ciphertext copied into another row', async () => {
    const a = await linkWithings();
    const b = await linkWithings();
    await h.t.dataSource.query(
      `UPDATE provider_links SET access_token_enc = (SELECT access_token_enc FROM provider_links WHERE id = $1) WHERE id = $2`,
      [a.linkId, b.linkId],
    );
    await expect(tokens.accessToken(b.linkId)).rejects.toThrow(/authenticate/);
  });

  it('should refresh an expired single-use token once for 50 concurrent callers, with no failures', async () => {
    const { linkId } = await linkWithings();
    await expire(linkId);
    const before = h.withings.tokenCalls;
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => tokens.accessToken(linkId)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(h.withings.tokenCalls - before).toBe(1);
    const values = new Set(results.map((r) => (r as PromiseFulfilledResult<string>).value));
    expect(values.size).toBe(1);
    expect(await withingsList([...values][0]!)).toBe(0);
  });

  it('should refresh once when the provider refuses the access token, and retry the call', async () => {
    const { linkId } = await linkWithings();
    const before = h.withings.tokenCalls;
    h.withings.advance(3 * HOUR + 1000); // the provider expires the token while our clock still trusts it
    const statuses = await tokens.withAccessToken(linkId, async (token) => {
      const status = await withingsList(token);
      if (status === 401) {
        const { InvalidTokenError } = await import('../../src/ingestors/auth/provider-auth.js');
        throw new InvalidTokenError('refused');
      }
      return status;
    });
    expect(statuses).toBe(0);
    expect(h.withings.tokenCalls - before).toBe(1);
  });

  it('should recover inside the Withings 8 h rotation grace when a rotation result was lost', async () => {
    const { linkId } = await linkWithings();
    const stored = await tokens.storedTokens(linkId);
    // Another worker's rotation reached Withings but its answer never got stored (crash before commit).
    const lost = await postForm(`${h.withings.baseUrl}/v2/oauth2`, {
      action: 'requesttoken',
      grant_type: 'refresh_token',
      client_id: 'withings-client-id',
      client_secret: 'withings-client-secret',
      refresh_token: stored!.refreshToken,
    });
    expect((lost.json as { status: number }).status).toBe(0);
    h.withings.advance(7 * HOUR);
    await expire(linkId);
    const fresh = await tokens.accessToken(linkId);
    expect(await withingsList(fresh)).toBe(0);
    expect((await tokens.storedTokens(linkId))?.refreshToken).not.toBe(stored!.refreshToken);
  });

  it('should mark the link needs_reauth (not delete it) once the old token is past the grace', async () => {
    const { linkId, ehrUserId } = await linkWithings();
    const stored = await tokens.storedTokens(linkId);
    await postForm(`${h.withings.baseUrl}/v2/oauth2`, {
      action: 'requesttoken',
      grant_type: 'refresh_token',
      client_id: 'withings-client-id',
      client_secret: 'withings-client-secret',
      refresh_token: stored!.refreshToken,
    });
    h.withings.advance(8 * HOUR + 1000);
    await expire(linkId);
    await expect(tokens.accessToken(linkId)).rejects.toBeInstanceOf(LinkNotUsableError);
    const res = await h.t
      .http()
      .get(`/api/base/link/withings/status/?ehr_user_id=${ehrUserId}`)
      .set(h.auth)
      .expect(200);
    expect(res.body).toMatchObject({ linked: false, links: [{ status: 'needs_reauth', active: false }] });
  });

  it('should turn a Google invalid_grant into needs_reauth, audited', async () => {
    const { linkId, healthUserId, ehrUserId } = await linkGoogle();
    h.google.revokeAccess(healthUserId);
    await expire(linkId);
    await expect(tokens.accessToken(linkId)).rejects.toMatchObject({ status: 'needs_reauth' });
    const [row] = await h.t.dataSource.query<{ status: string; refresh_token_enc: string | null }[]>(
      `SELECT status, refresh_token_enc FROM provider_links WHERE id = $1`,
      [linkId],
    );
    expect(row).toMatchObject({ status: 'needs_reauth', refresh_token_enc: expect.any(String) });
    const actions = await h.t.dataSource.query<{ action: string }[]>(
      `SELECT action FROM audit_events WHERE ehr_user_id = $1 ORDER BY id`,
      [ehrUserId],
    );
    expect(actions.map((a) => a.action)).toEqual(['link.created', 'link.needs_reauth']);
  });

  it('should subscribe every needed Withings appli once, with the secret callback URL', async () => {
    const { linkId, userid } = await linkWithings();
    const subs = h.t.app.get(LinkSubscriptionsService);
    expect(await subs.ensure(linkId)).toEqual({
      provider: 'withings',
      added: ['1', '2', '4', '16', '44', '46', '54', '62'],
      replaced: [],
      removed: [],
    });
    expect(await subs.ensure(linkId)).toEqual({ provider: 'withings', added: [], replaced: [], removed: [] });
    const list = h.withings.subscriptions(userid);
    expect(list.map((s) => s.appli).sort((a, b) => a - b)).toEqual([1, 2, 4, 16, 44, 46, 54, 62]);
    expect(new Set(list.map((s) => s.callbackurl))).toEqual(
      new Set([`${new URL(h.hook.url).origin}/webhooks/withings/${WEBHOOK_SECRET}`]),
    );
  });

  it('should unlink Withings: revoke the subscriptions, shred the tokens, withdraw queued jobs', async () => {
    const { linkId, userid, ehrUserId } = await linkWithings();
    await h.t.app.get(LinkSubscriptionsService).ensure(linkId);
    const res = await h.t
      .http()
      .delete(`/api/base/link/withings/?ehr_user_id=${ehrUserId}`)
      .set(h.auth)
      .expect(200);
    expect(res.body).toEqual({
      message: 'Provider unlinked',
      ehr_user_id: ehrUserId,
      provider: 'withings',
      status: 'unlinked',
    });
    expect(h.withings.subscriptions(userid)).toEqual([]);
    const [row] = await h.t.dataSource.query<Record<string, unknown>[]>(
      `SELECT status, access_token_enc, refresh_token_enc, token_key_id FROM provider_links WHERE id = $1`,
      [linkId],
    );
    expect(row).toEqual({
      status: 'revoked',
      access_token_enc: null,
      refresh_token_enc: null,
      token_key_id: null,
    });
    for (const queue of [QueueName.DeviceSync, QueueName.UserSync]) {
      const jobs = await h.t.app.get<Queue>(getQueueToken(queue)).getJobs(['prioritized', 'wait', 'delayed']);
      expect(jobs.filter((j) => (j.data as { linkId: number }).linkId === linkId)).toEqual([]);
    }
    const maintenance = await h.t.app
      .get<Queue<{ linkId: number; task: string }>>(getQueueToken(QueueName.LinkMaintenance))
      .getJobs(['wait']);
    expect(maintenance.filter((j) => j.data.linkId === linkId).map((j) => j.data.task)).toEqual([
      'end_device_associations',
    ]);
    const [audit] = await h.t.dataSource.query<{ details: Record<string, unknown> }[]>(
      `SELECT details FROM audit_events WHERE link_id = $1 AND action = 'link.unlinked'`,
      [linkId],
    );
    expect(audit?.details).toEqual({ provider_revocation: 'revoked' });
    await h.t.http().delete(`/api/base/link/withings/?ehr_user_id=${ehrUserId}`).set(h.auth).expect(404);
  });

  it('should unlink Fitbit through POST …/unlink/ and revoke the grant at Google', async () => {
    const { linkId, ehrUserId } = await linkGoogle();
    const stored = await tokens.storedTokens(linkId);
    await h.t.http().post(`/api/base/link/fitbit/unlink/?ehr_user_id=${ehrUserId}`).set(h.auth).expect(200);
    const refresh = await postForm(h.google.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: stored!.refreshToken,
      client_id: 'ohe-web.apps.googleusercontent.com',
      client_secret: 'GOCSPX-ohe-secret',
    });
    expect(refresh).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    expect(await tokens.storedTokens(linkId)).toBeUndefined();
  });

  it('should re-encrypt every token row under the newest key', async () => {
    const links = [await linkWithings(), await linkGoogle()];
    const before = await Promise.all(links.map((l) => tokens.storedTokens(l.linkId)));
    const oldRing = h.t.config.linking.keyRing!;
    const oldKey = oldRing.keys.get('k1')!.toString('base64');
    const rotated = loadConfig({
      DATABASE_URL: h.t.config.databaseUrl,
      REDIS_URL: h.t.config.redisUrl,
      TOKEN_KEYS: `k2:${newKey()},k1:${oldKey}`,
    });
    const vault = new TokenVault(rotated);
    const reencryptor = new TokenReencryptor(new LinkTokenRepository(h.t.dataSource), vault, 5000);
    const result = await reencryptor.run();
    expect(result.reencrypted).toBeGreaterThanOrEqual(2);
    const newKeyOnly = rotated.linking.keyRing!.keys.get('k2')!.toString('base64');
    const onlyNew = new TokenVault(
      loadConfig({ DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', TOKEN_KEYS: `k2:${newKeyOnly}` }),
    );
    for (const [i, l] of links.entries()) {
      const [row] = await h.t.dataSource.query<{ access_token_enc: string; token_key_id: string }[]>(
        `SELECT access_token_enc, token_key_id FROM provider_links WHERE id = $1`,
        [l.linkId],
      );
      expect(row?.token_key_id).toBe('k2');
      expect(onlyNew.open(l.linkId, 'access_token', row!.access_token_enc)).toBe(before[i]?.accessToken);
    }
    // The row tampered with above is reported, not silently skipped or fatal.
    expect(result.failed.length).toBeGreaterThanOrEqual(1);
    expect((await reencryptor.run()).reencrypted).toBe(0);
  });
});
