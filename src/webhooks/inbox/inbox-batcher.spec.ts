import { describe, expect, it } from 'vitest';
import { InboxBatcher, type InboxStore, type NotificationJobs } from './inbox-batcher.js';
import { InboxUnavailableError } from './inbox-unavailable.error.js';
import type { InboxEntry, KeyedInboxRow } from './notification-inbox.repository.js';

let n = 0;
const entry = (): InboxEntry => ({
  provider: 'withings',
  dedupKey: `key-${++n}`,
  account: { externalUserId: 'u' },
  payload: {},
});

/** A store that commits every entry as a new queued row. */
const committing: InboxStore = {
  acceptMany: (entries) =>
    Promise.resolve(
      entries.map(
        (e, i): KeyedInboxRow => ({
          id: `id-${e.dedupKey}-${i}`,
          provider: e.provider,
          dedupKey: e.dedupKey,
          status: 'queued',
          inserted: true,
        }),
      ),
    ),
};
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const hangingStore: InboxStore = { acceptMany: never };
const jobs = (addBulk: NotificationJobs['addBulk']): NotificationJobs => ({ addBulk });
const fine = jobs(() => Promise.resolve([]));

describe(InboxBatcher.name, () => {
  it('should answer committed notifications as accepted when Redis refuses the jobs', async () => {
    const batcher = new InboxBatcher(
      committing,
      jobs(() => Promise.reject(new Error('Connection is closed.'))),
    );
    const answers = await Promise.all([batcher.accept(entry()), batcher.accept(entry())]);
    expect(answers.map((a) => [a.inserted, a.queued])).toEqual([
      [true, true],
      [true, true],
    ]);
  });

  it('should answer within queueTimeoutMs when Redis never replies', async () => {
    const batcher = new InboxBatcher(committing, jobs(never), { queueTimeoutMs: 50 });
    const started = performance.now();
    await expect(batcher.accept(entry())).resolves.toMatchObject({ inserted: true, queued: true });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('should store the next group while the previous one still waits for Redis', async () => {
    let stored = 0;
    const counting: InboxStore = {
      acceptMany: async (entries) => {
        stored++;
        return committing.acceptMany(entries);
      },
    };
    const batcher = new InboxBatcher(counting, jobs(never), { maxInFlight: 1, queueTimeoutMs: 10_000 });
    void batcher.accept(entry());
    await new Promise((resolve) => setTimeout(resolve, 20));
    void batcher.accept(entry());
    await expect.poll(() => stored, { timeout: 1_000 }).toBe(2);
  });

  it('should refuse calls beyond maxPending at once while the database hangs', async () => {
    const batcher = new InboxBatcher(hangingStore, fine, { maxInFlight: 1, maxBatch: 1, maxPending: 2 });
    void batcher.accept(entry());
    await new Promise((resolve) => setImmediate(resolve));
    void batcher.accept(entry());
    void batcher.accept(entry());
    const refused = batcher.accept(entry());
    await expect(refused).rejects.toBeInstanceOf(InboxUnavailableError);
    await expect(refused).rejects.toMatchObject({ headers: { 'Retry-After': expect.any(String) } });
  });

  it('should refuse the calls waiting behind a group the database could not take, and only those of a bad one', async () => {
    let fail: (err: unknown) => void = () => undefined;
    const failing: InboxStore = {
      acceptMany: () =>
        new Promise((_resolve, reject) => {
          fail = reject;
        }),
    };
    const batcher = new InboxBatcher(failing, fine, { maxInFlight: 1 });
    const first = batcher.accept(entry());
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = batcher.accept(entry());
    fail(new InboxUnavailableError('database unavailable'));
    await expect(first).rejects.toBeInstanceOf(InboxUnavailableError);
    await expect(waiting).rejects.toBeInstanceOf(InboxUnavailableError);

    const second = batcher.accept(entry());
    await new Promise((resolve) => setImmediate(resolve));
    const behind = batcher.accept(entry());
    fail(new Error('value too long for type character varying(64)'));
    await expect(second).rejects.toThrow(/too long/);
    // Not an outage: the waiting call gets its own statement (which hangs here, as the fake store never settles).
    const outcome = await Promise.race([
      behind.then(
        () => 'answered',
        () => 'refused',
      ),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 50)),
    ]);
    expect(outcome).toBe('waiting');
  });
});
