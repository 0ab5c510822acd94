import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueName } from '../../src/common/queue/queue-names.js';
import type { TestApp } from '../support/app.js';

export const SECRET = 'gh-hook-secret-0123456789';
export const VERIFY_CODE = 'fitbit-verify-code-42';
export const CLIENT_SECRET = 'fitbit-client-secret-abc';
export const PATH = '/webhooks/fitbit/';

export interface InboxRow {
  id: string;
  status: string;
  link_id: number | null;
  payload: Record<string, string>;
}

/** A fresh Google healthUserId (digits, like live ones) per test, so dedup keys never collide across tests. */
export const newHealthUserId = (): string => `75${randomBytes(6).readUIntBE(0, 6)}`;

/** Listens on loopback so the sender can reach the app over real HTTP, as Google would. */
export async function listening(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${address.port}${PATH}`;
}

export async function closedPortUrl(): Promise<string> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/keyset.json`;
}

export function inboxHelpers(t: () => TestApp): {
  rowsFor: (healthUserId: string) => Promise<InboxRow[]>;
  jobCount: () => Promise<number>;
  queue: () => Queue;
} {
  const queue = (): Queue => t().app.get<Queue>(getQueueToken(QueueName.Notifications));
  return {
    queue,
    rowsFor: (healthUserId) =>
      t().dataSource.query(
        `SELECT id, status, link_id, payload FROM notification_inbox
          WHERE provider = 'fitbit' AND payload->>'healthUserId' = $1 ORDER BY payload->>'dataType'`,
        [healthUserId],
      ),
    jobCount: async () => {
      const counts = await queue().getJobCounts();
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
  };
}
