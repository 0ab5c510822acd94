import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newGoogleUser, newWithingsUser } from './linking.harness.js';
import { linkAndBackfill, linkRow, startPipeline, type PipelineHarness } from './sync-pipeline.harness.js';

interface Linked {
  readonly ehrUserId: string;
  readonly linkId: number;
  readonly provider: 'withings' | 'fitbit';
  /** The account at the provider: Withings userid or Google healthUserId. */
  readonly account: string;
}

/**
 * POST /api/base/sync/trigger_device_sync/ when the provider or the FHIR server fails: the body names the
 * failure with a fixed code, never with the message that caused it (those carry hosts, ports and URLs).
 * The tests run in order: later ones take the FHIR server, then the Google simulator, down for good, and a
 * Withings rate limit blocks Withings calls for a minute.
 */
describe('device sync endpoint failures', { timeout: 60_000 }, () => {
  let h: PipelineHarness;
  let withings: Linked;
  let fitbit: Linked;

  beforeAll(async () => {
    h = await startPipeline({ SYNC_INITIAL_LOOKBACK_DAYS: '1' });
    withings = await linkWithings('devfail');
    fitbit = await linkFitbit();
  });
  afterAll(async () => {
    await h.stop();
  });

  async function linkWithings(label: string): Promise<Linked> {
    const userid = newWithingsUser(h.withings);
    h.withings.approveNext(userid);
    const linked = await linkAndBackfill(h, 'withings', label, 40_000);
    return { ...linked, provider: 'withings', account: String(userid) };
  }

  async function linkFitbit(): Promise<Linked> {
    const { healthUserId } = newGoogleUser(h.google);
    h.google.approveNext(healthUserId);
    const linked = await linkAndBackfill(h, 'fitbit', 'devfail', 40_000);
    return { ...linked, provider: 'fitbit', account: healthUserId };
  }

  /** Triggers a device sync of the patient, checks the spec's failure body around `code`, returns its text. */
  async function failsWith(who: Linked, code: string): Promise<string> {
    const res = await fetch(`${h.base}/api/base/sync/trigger_device_sync/`, {
      method: 'POST',
      headers: { ...h.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ehr_user_id: who.ehrUserId, provider: who.provider }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      message: 'Device sync failed',
      sync_id: expect.stringMatching(/^device-sync-\d{8}-\d{6}$/),
      ehr_user_id: who.ehrUserId,
      provider: who.provider,
      devices_processed: 0,
      associations_created: 0,
      success: false,
      errors: [code],
    });
    return text;
  }

  /** Nothing about where the providers or the FHIR server live, nor what the transport said. */
  function expectNoInternals(text: string): void {
    for (const url of [h.withings.baseUrl, h.google.apiBaseUrl, h.google.tokenUrl, h.fhir.baseUrl]) {
      expect(text).not.toContain(new URL(url).host);
      expect(text).not.toContain(new URL(url).port);
    }
    expect(text).not.toMatch(/127\.0\.0\.1|localhost|https?:|ECONN|fetch failed|HTTP \d{3}|status \d/i);
  }

  it('should answer fhir_rejected when the FHIR server refuses the devices', async () => {
    // Every request refused: a refusal the publisher cannot isolate to a few records, and no later retry helps.
    h.fhir.injectFault({ status: 422, times: 100 });
    try {
      expectNoInternals(await failsWith(withings, 'fhir_rejected'));
    } finally {
      h.fhir.clearFaults();
    }
  });

  it('should answer link_needs_reauth when the patient revoked the access at the provider', async () => {
    const revoking = await linkWithings('devrevoke');
    h.withings.revokeAccess(Number(revoking.account));
    expectNoInternals(await failsWith(revoking, 'link_needs_reauth'));
    expect((await linkRow(h, revoking.linkId)).status).toBe('needs_reauth');
  });

  it('should answer fhir_unavailable when the FHIR server is down', async () => {
    await h.fhir.stop();
    expectNoInternals(await failsWith(withings, 'fhir_unavailable'));
  });

  it('should answer provider_unavailable when the provider is down', async () => {
    await h.google.stop();
    expectNoInternals(await failsWith(fitbit, 'provider_unavailable'));
  });

  it('should answer provider_rate_limited when the provider says too many requests', async () => {
    h.withings.failNextData({ kind: 'status', status: 601 });
    expectNoInternals(await failsWith(withings, 'provider_rate_limited'));
  });
});
