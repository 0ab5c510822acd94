import { describe, expect, it } from 'vitest';
import { loadConfig } from './app-config.js';
import { env, failure } from '../../test/support/config-env.js';

describe('inbox and audit retention settings', () => {
  it('should default to a 24 h dedup window, 7 days of finished inbox rows and six years of audit events', () => {
    const { sync } = loadConfig(env());
    expect(sync.inbox).toEqual({
      dedupWindowHours: 24,
      retentionDays: 7,
      reconcileIntervalMs: 60_000,
      reconcileStaleAfterMs: 300_000,
    });
    expect(sync.auditRetentionDays).toBe(2190);
  });

  it('should read the settings', () => {
    const { sync } = loadConfig(
      env({ INBOX_DEDUP_WINDOW_HOURS: '720', INBOX_RETENTION_DAYS: '30', AUDIT_RETENTION_DAYS: '3650' }),
    );
    expect(sync.inbox).toMatchObject({ dedupWindowHours: 720, retentionDays: 30 });
    expect(sync.auditRetentionDays).toBe(3650);
    expect(loadConfig(env({ INBOX_DEDUP_WINDOW_HOURS: '1' })).sync.inbox.dedupWindowHours).toBe(1);
    const reconcile = loadConfig(
      env({ INBOX_RECONCILE_INTERVAL_MS: '3000', INBOX_RECONCILE_STALE_AFTER_MS: '10000' }),
    ).sync.inbox;
    expect(reconcile).toMatchObject({ reconcileIntervalMs: 3000, reconcileStaleAfterMs: 10_000 });
  });

  it.each([
    ['INBOX_DEDUP_WINDOW_HOURS', '0'],
    ['INBOX_DEDUP_WINDOW_HOURS', '721'],
    ['INBOX_DEDUP_WINDOW_HOURS', '1.5'],
    ['INBOX_RETENTION_DAYS', '0'],
    ['INBOX_RETENTION_DAYS', 'week'],
    ['AUDIT_RETENTION_DAYS', '0'],
    ['INBOX_RECONCILE_INTERVAL_MS', '999'],
    ['INBOX_RECONCILE_STALE_AFTER_MS', 'soon'],
  ])('should refuse %s=%s at boot', (name, value) => {
    expect(failure(env({ [name]: value }))).toContain(name);
  });

  it('should refuse an inbox retention shorter than the dedup window (purged rows no longer deduplicate)', () => {
    const message = failure(env({ INBOX_DEDUP_WINDOW_HOURS: '200', INBOX_RETENTION_DAYS: '8' }));
    expect(message).toContain('INBOX_RETENTION_DAYS');
    expect(message).toContain('INBOX_DEDUP_WINDOW_HOURS');
    expect(
      loadConfig(env({ INBOX_DEDUP_WINDOW_HOURS: '192', INBOX_RETENTION_DAYS: '8' })).sync.inbox,
    ).toMatchObject({
      dedupWindowHours: 192,
      retentionDays: 8,
    });
  });
});
