import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../../src/common/queue/queue-names.js';
import { newEhrUserId } from '../support/fixtures.js';
import {
  APP_ORIGIN,
  hop,
  linkThrough,
  startLinkingHarness,
  type LinkingHarness,
  newGoogleUser,
  newWithingsUser,
} from './linking.harness.js';

interface LinkRow {
  id: number;
  external_user_id: string;
  legacy_user_id: string | null;
  status: string;
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  token_key_id: string | null;
  granted_scopes: string[];
}

describe('provider linking (OAuth through the simulators)', () => {
  let h: LinkingHarness;

  const linkRow = async (ehrUserId: string, provider: string): Promise<LinkRow | undefined> =>
    (
      await h.t.dataSource.query<LinkRow[]>(
        `SELECT l.* FROM provider_links l JOIN ehr_users u ON u.id = l.user_id
           JOIN providers p ON p.id = l.provider_id WHERE u.ehr_user_id = $1 AND p.provider_type = $2`,
        [ehrUserId, provider],
      )
    )[0];

  beforeAll(async () => {
    h = await startLinkingHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('should link Withings end to end and redirect to success_url', async () => {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    const ehrUserId = newEhrUserId('w');
    const { authorize, callback, final, confirmed } = await linkThrough(h, 'withings', {
      ehr_user_id: ehrUserId,
      success_url: `${APP_ORIGIN}/linked`,
      error_url: `${APP_ORIGIN}/failed`,
    });

    expect(authorize.searchParams.get('scope')).toBe('user.info,user.metrics,user.activity');
    expect(authorize.searchParams.get('response_type')).toBe('code');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.base}/api/base/link/withings/callback`);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(final.status).toBe(302);
    const landing = new URL(final.location ?? '');
    expect(`${landing.origin}${landing.pathname}`).toBe(`${APP_ORIGIN}/linked`);
    expect(landing.searchParams.get('confirmation_code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(landing.searchParams.get('provider')).toBe('withings');
    expect(confirmed?.status).toBe(200);

    const row = await linkRow(ehrUserId, 'withings');
    expect(row).toMatchObject({ external_user_id: String(userid), status: 'active', token_key_id: 'k1' });
    expect(row?.access_token_enc).toMatch(/^v1\.k1\./);
    expect(row?.granted_scopes).toEqual(['user.info', 'user.metrics', 'user.activity']);

    const [audit] = await h.t.dataSource.query<{ action: string; actor: string }[]>(
      `SELECT action, actor FROM audit_events WHERE ehr_user_id = $1`,
      [ehrUserId],
    );
    expect(audit?.action).toBe('link.created');

    for (const [queue, kind] of [
      [QueueName.DeviceSync, 'devices'],
      [QueueName.UserSync, 'initial'],
      [QueueName.LinkMaintenance, 'subscriptions'],
    ] as const) {
      const jobs = await h.t.app.get<Queue>(getQueueToken(queue)).getJobs(['prioritized', 'wait']);
      const mine = jobs.filter(
        (j) =>
          j.id?.startsWith(`link-${row?.id}.${kind}.`) ||
          (j.name === kind && (j.data as { linkId?: number }).linkId === row?.id),
      );
      expect(mine).toHaveLength(1);
      expect(Object.keys(mine[0]?.data ?? {})).not.toContain('access_token');
    }
  });

  it('should link a Fitbit account through Google OAuth with PKCE and answer JSON without targets', async () => {
    const user = newGoogleUser(h.google);
    h.google.approveNext(user.healthUserId);
    const ehrUserId = newEhrUserId('g');
    const { authorize, final, confirmed } = await linkThrough(h, 'fitbit', { ehr_user_id: ehrUserId });

    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      access_type: 'offline',
      prompt: 'consent',
      code_challenge_method: 'S256',
      response_type: 'code',
    });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('state')).not.toContain(authorize.searchParams.get('code_challenge'));
    expect(final.status).toBe(200);
    expect(JSON.parse(final.body)).toEqual({
      message: 'Consent received: confirm the link with a credential of the patient',
      provider: 'fitbit',
      status: 'pending_confirmation',
      confirmation_code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      expires_at: expect.any(String),
    });
    expect(confirmed).toEqual({
      status: 200,
      body: {
        message: 'Provider linked',
        ehr_user_id: ehrUserId,
        provider: 'fitbit',
        status: 'linked',
        external_user_id: user.healthUserId,
      },
    });
    expect(await linkRow(ehrUserId, 'fitbit')).toMatchObject({
      external_user_id: user.healthUserId,
      legacy_user_id: user.legacyUserId,
      status: 'active',
    });
  });

  it('should answer the authorize URL as JSON to a caller that prefers JSON, and 302 otherwise', async () => {
    const url = `${h.base}/api/base/link/withings/?ehr_user_id=${newEhrUserId('spa')}`;
    for (const accept of ['application/json', 'application/json; version=1']) {
      const res = await hop(url, { ...h.auth, Accept: accept });
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body) as { authorization_url: string; expires_at: string };
      expect(Object.keys(body).sort()).toEqual(['authorization_url', 'expires_at']);
      expect(new URL(body.authorization_url).origin).toBe(new URL(h.withings.authorizeUrl).origin);
      const ttl = Date.parse(body.expires_at) - Date.now();
      expect(ttl).toBeGreaterThan(590_000);
      expect(ttl).toBeLessThanOrEqual(600_000);
    }
    for (const accept of [undefined, '*/*', 'text/html,application/xhtml+xml,*/*;q=0.8']) {
      const res = await hop(url, { ...h.auth, ...(accept === undefined ? {} : { Accept: accept }) });
      expect(res.status).toBe(302);
      expect(res.location?.startsWith(h.withings.authorizeUrl)).toBe(true);
    }
  });

  it('should send a denied consent to error_url with error=access_denied', async () => {
    h.withings.denyNext();
    const { final } = await linkThrough(h, 'withings', {
      ehr_user_id: newEhrUserId('deny'),
      success_url: `${APP_ORIGIN}/linked`,
      error_url: `${APP_ORIGIN}/failed?x=1`,
    });
    expect(final).toMatchObject({ status: 302, location: `${APP_ORIGIN}/failed?x=1&error=access_denied` });
  });

  it('should move an account to another patient only after its owner unlinked it, audited', async () => {
    const userid = newWithingsUser(h.withings);
    const [first, second] = [newEhrUserId('first'), newEhrUserId('second')];
    h.withings.approveNext(userid);
    expect((await linkThrough(h, 'withings', { ehr_user_id: first })).confirmed?.status).toBe(200);
    const unlinked = await fetch(`${h.base}/api/base/link/withings/?ehr_user_id=${first}`, {
      method: 'DELETE',
      headers: h.auth,
    });
    expect(unlinked.status).toBe(200);
    h.withings.approveNext(userid);
    expect((await linkThrough(h, 'withings', { ehr_user_id: second })).confirmed?.status).toBe(200);
    expect(await linkRow(first, 'withings')).toBeUndefined();
    expect(await linkRow(second, 'withings')).toMatchObject({ external_user_id: String(userid) });
    const events = await h.t.dataSource.query<{ action: string; details: Record<string, unknown> }[]>(
      `SELECT action, details FROM audit_events WHERE ehr_user_id = $1`,
      [second],
    );
    expect(events).toEqual([
      expect.objectContaining({
        action: 'link.moved',
        details: expect.objectContaining({ from_ehr_user_id: first }),
      }),
    ]);
  });

  describe('state', () => {
    const startState = async (): Promise<{ state: string; redirect: string }> => {
      const res = await hop(`${h.base}/api/base/link/withings/?ehr_user_id=${newEhrUserId()}`, h.auth);
      const url = new URL(res.location ?? '');
      return {
        state: url.searchParams.get('state') ?? '',
        redirect: url.searchParams.get('redirect_uri') ?? '',
      };
    };

    it('should refuse a replayed state', async () => {
      const userid = newWithingsUser(h.withings);
      h.withings.approveNext(userid);
      const { callback, final } = await linkThrough(h, 'withings', { ehr_user_id: newEhrUserId() });
      expect(final.status).toBe(200);
      const replay = await hop(callback.toString());
      expect(replay.status).toBe(400);
      expect(JSON.parse(replay.body)).toMatchObject({ error: 'invalid_state' });
    });

    it('should refuse a tampered state', async () => {
      const { state, redirect } = await startState();
      const [header, payload, signature] = state.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const forged = Buffer.from(JSON.stringify({ ...claims, ehr: 'victim' })).toString('base64url');
      const res = await hop(`${redirect}?code=abc&state=${header}.${forged}.${signature}`);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error).toBe('invalid_state');
    });

    it('should refuse an expired state, even one signed with the right key', async () => {
      const { redirect } = await startState();
      const expired = await new SignJWT({ ehr: 'someone' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('ohe-link')
        .setAudience('withings')
        .setJti('expired-jti')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 1200)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
        .sign(new TextEncoder().encode(h.stateSecret));
      const res = await hop(`${redirect}?code=abc&state=${expired}`);
      expect(res.status).toBe(400);
    });

    it('should refuse a state issued for another provider', async () => {
      const { state } = await startState();
      const res = await hop(`${h.base}/api/base/link/fitbit/callback?code=abc&state=${state}`);
      expect(res.status).toBe(400);
    });
  });

  describe('start', () => {
    it.each([
      ['success_url', 'https://evil.example/linked'],
      ['error_url', 'https://app.example.evil.com/'],
      ['success_url', 'javascript:alert(1)'],
    ])('should refuse %s=%s outside the allow-list', async (field, value) => {
      const res = await h.t
        .http()
        .get('/api/base/link/withings/')
        .query({ ehr_user_id: newEhrUserId(), [field]: value })
        .set(h.auth)
        .expect(400);
      expect(res.body).toMatchObject({
        error: 'validation_error',
        details: { [field]: [expect.any(String)] },
      });
    });

    it('should need a bearer credential', async () => {
      await h.t.http().get(`/api/base/link/withings/?ehr_user_id=${newEhrUserId()}`).expect(401);
    });

    it('should let a patient link only itself', async () => {
      const { ApiKeyService } = await import('../../src/common/auth/api-key.service.js');
      const me = newEhrUserId('me');
      const { key } = await h.t.app.get(ApiKeyService).create({ name: 'p', role: 'patient', ehrUserId: me });
      const patient = { Authorization: `Bearer ${key}` };
      await h.t.http().get(`/api/base/link/withings/?ehr_user_id=${newEhrUserId()}`).set(patient).expect(404);
      await h.t.http().get(`/api/base/link/withings/?ehr_user_id=${me}`).set(patient).expect(302);
    });

    it('should answer 400 for an unknown provider', async () => {
      await h.t.http().get(`/api/base/link/garmin/?ehr_user_id=${newEhrUserId()}`).set(h.auth).expect(400);
    });
  });
});
