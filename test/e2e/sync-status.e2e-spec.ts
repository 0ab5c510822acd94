import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyService } from '../../src/common/auth/api-key.service.js';
import { SYNC_ERRORS } from '../../src/ingestors/sync/sync-errors.js';
import { startApp, type TestApp } from '../support/app.js';
import { createLink, createSyncState, createUser, newEhrUserId } from '../support/fixtures.js';

/** What sync status says about a patient nobody mapped (PUT /api/base/patients/…). */
const UNMAPPED = { status: 'unmapped', fhir_patient_id: null, reason: null, replaced_by: null };
describe('sync status and link status API', () => {
  let t: TestApp;
  let auth: { Authorization: string };

  beforeAll(async () => {
    t = await startApp();
    const { key } = await t.app.get(ApiKeyService).create({ name: 'ehr-backend', role: 'service' });
    auth = { Authorization: `Bearer ${key}` };
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /api/base/sync/status/', () => {
    it('should require ehr_user_id', async () => {
      const res = await t.http().get('/api/base/sync/status/').set(auth).expect(400);
      expect(res.body).toMatchObject({
        error: 'validation_error',
        details: { ehr_user_id: ['This field is required.'] },
      });
    });

    it('should reject an ehr_user_id with unsafe characters', async () => {
      const res = await t.http().get('/api/base/sync/status/?ehr_user_id=a%20b').set(auth).expect(400);
      expect(res.body.details.ehr_user_id).toHaveLength(1);
    });

    it('should answer 400 listing the supported providers for an unknown provider', async () => {
      const user = await createUser(t.dataSource);
      const res = await t
        .http()
        .get(`/api/base/sync/status/?ehr_user_id=${user.ehrUserId}&provider=garmin`)
        .set(auth)
        .expect(400);
      expect(res.body.error).toBe('validation_error');
      expect(res.body.details.supported_providers).toEqual(['withings', 'fitbit']);
      expect(res.body.details.provider[0]).toContain("'garmin'");
    });

    it('should answer 404 for an unknown user', async () => {
      const id = newEhrUserId('ghost');
      const res = await t.http().get(`/api/base/sync/status/?ehr_user_id=${id}`).set(auth).expect(404);
      expect(res.body).toMatchObject({ error: 'not_found', message: `User ${id} not found`, details: {} });
    });

    it('should report no_recent_sync for every provider when nothing has run', async () => {
      const user = await createUser(t.dataSource);
      const res = await t
        .http()
        .get(`/api/base/sync/status/?ehr_user_id=${user.ehrUserId}`)
        .set(auth)
        .expect(200);
      const none = { status: 'no_recent_sync', last_sync: null, records_synced: null, errors: [] };
      expect(res.body).toEqual({
        ehr_user_id: user.ehrUserId,
        patient: UNMAPPED,
        providers: { withings: none, fitbit: none },
      });
    });

    it('should summarise the SyncState rows of a linked provider', async () => {
      const user = await createUser(t.dataSource);
      const link = await createLink(t.dataSource, user, 'withings');
      const older = new Date('2026-11-20T08:00:00Z');
      const newer = new Date('2026-11-21T09:30:00Z');
      await createSyncState(t.dataSource, link, {
        dataType: 'weight',
        status: 'completed',
        lastSuccessAt: older,
        recordsSynced: 4,
      });
      await createSyncState(t.dataSource, link, {
        dataType: 'heart_rate',
        status: 'completed',
        lastSuccessAt: newer,
        recordsSynced: 11,
      });

      const res = await t
        .http()
        .get(`/api/base/sync/status/?ehr_user_id=${user.ehrUserId}&provider=withings`)
        .set(auth)
        .expect(200);
      expect(res.body).toEqual({
        ehr_user_id: user.ehrUserId,
        provider: 'withings',
        status: 'completed',
        last_sync: newer.toISOString(),
        records_synced: 15,
        errors: [],
        rejected: [],
        patient: UNMAPPED,
      });
    });

    it('should report a failed data type with its error, and leave other providers untouched', async () => {
      const user = await createUser(t.dataSource);
      const link = await createLink(t.dataSource, user, 'fitbit');
      const success = new Date('2026-11-21T06:00:00Z');
      const failure = new Date('2026-11-22T06:00:00Z');
      await createSyncState(t.dataSource, link, {
        dataType: 'steps',
        status: 'completed',
        lastSuccessAt: success,
        recordsSynced: 2,
      });
      await createSyncState(t.dataSource, link, {
        dataType: 'sleep',
        status: 'failed',
        lastAttemptAt: failure,
        lastError: 'provider_unavailable',
      });

      const res = await t
        .http()
        .get(`/api/base/sync/status/?ehr_user_id=${user.ehrUserId}`)
        .set(auth)
        .expect(200);
      expect(res.body.providers.fitbit).toEqual({
        status: 'failed',
        last_sync: success.toISOString(),
        records_synced: 2,
        errors: [
          {
            data_type: 'sleep',
            message: SYNC_ERRORS.provider_unavailable,
            occurred_at: failure.toISOString(),
          },
        ],
        rejected: [],
      });
      expect(res.body.providers.withings.status).toBe('no_recent_sync');
    });
  });

  describe('GET /api/base/sync/providers/', () => {
    it('should list current links with their provider, leaving out revoked ones', async () => {
      const user = await createUser(t.dataSource);
      const linkedAt = new Date('2025-09-24T12:34:56Z');
      const link = await createLink(t.dataSource, user, 'withings', {
        externalUserId: 'withings-user-67890',
        linkedAt,
      });
      await createLink(t.dataSource, user, 'fitbit', { status: 'revoked' });

      const res = await t
        .http()
        .get(`/api/base/sync/providers/?ehr_user_id=${user.ehrUserId}`)
        .set(auth)
        .expect(200);
      expect(res.body).toEqual({
        ehr_user_id: user.ehrUserId,
        connected_providers: [
          {
            id: link.id,
            provider: { id: expect.any(Number), name: 'Withings', provider_type: 'withings', active: true },
            external_user_id: 'withings-user-67890',
            status: 'active',
            linked_at: linkedAt.toISOString(),
          },
        ],
        total_providers: 1,
      });
    });

    it('should answer 400 without ehr_user_id and 404 for an unknown user', async () => {
      await t.http().get('/api/base/sync/providers/').set(auth).expect(400);
      await t.http().get(`/api/base/sync/providers/?ehr_user_id=${newEhrUserId()}`).set(auth).expect(404);
    });
  });

  describe('GET /api/base/link/{provider}/status/', () => {
    it('should report the link with linked_at in ISO-8601 UTC', async () => {
      const user = await createUser(t.dataSource);
      const linkedAt = new Date('2025-09-24T12:34:56Z');
      await createLink(t.dataSource, user, 'withings', { externalUserId: 'w-123', linkedAt });

      const res = await t
        .http()
        .get(`/api/base/link/withings/status/?ehr_user_id=${user.ehrUserId}`)
        .set(auth)
        .expect(200);
      expect(res.body).toEqual({
        ehr_user_id: user.ehrUserId,
        provider: 'withings',
        linked: true,
        links: [
          {
            provider_name: 'Withings',
            provider_type: 'withings',
            external_user_id: 'w-123',
            active: true,
            status: 'active',
            linked_at: '2025-09-24T12:34:56.000Z',
          },
        ],
        total_links: 1,
      });
    });

    it('should report an existing user without a link as not linked', async () => {
      const user = await createUser(t.dataSource);
      await createLink(t.dataSource, user, 'withings');
      const res = await t
        .http()
        .get(`/api/base/link/fitbit/status/?ehr_user_id=${user.ehrUserId}`)
        .set(auth)
        .expect(200);
      expect(res.body).toEqual({
        ehr_user_id: user.ehrUserId,
        provider: 'fitbit',
        linked: false,
        links: [],
        total_links: 0,
      });
    });

    it('should show a link that needs re-authorisation as not linked but present', async () => {
      const user = await createUser(t.dataSource);
      await createLink(t.dataSource, user, 'fitbit', { status: 'needs_reauth' });
      const res = await t
        .http()
        .get(`/api/base/link/fitbit/status/?ehr_user_id=${user.ehrUserId}`)
        .set(auth)
        .expect(200);
      expect(res.body.linked).toBe(false);
      expect(res.body.links[0]).toMatchObject({ active: false, status: 'needs_reauth' });
    });

    it('should reject unknown providers, a missing ehr_user_id and unknown users', async () => {
      const user = await createUser(t.dataSource);
      const bad = await t
        .http()
        .get(`/api/base/link/garmin/status/?ehr_user_id=${user.ehrUserId}`)
        .set(auth)
        .expect(400);
      expect(bad.body.details.supported_providers).toEqual(['withings', 'fitbit']);
      await t.http().get('/api/base/link/withings/status/').set(auth).expect(400);
      await t
        .http()
        .get(`/api/base/link/withings/status/?ehr_user_id=${newEhrUserId()}`)
        .set(auth)
        .expect(404);
    });
  });
});
