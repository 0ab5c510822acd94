import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WithingsNotificationDto } from './withings-notification.dto.js';
import { withingsDedupKey } from './withings-webhook.service.js';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const note = (fields: Partial<WithingsNotificationDto>): WithingsNotificationDto =>
  Object.assign({ userid: '12345', appli: '44', startdate: '1701942000', enddate: '1701942600' }, fields);

describe('withingsDedupKey', () => {
  it('should keep the key of a notification without date or deviceid unchanged (retries across a deploy)', () => {
    expect(withingsDedupKey(note({}))).toBe(sha('12345|44|1701942000|1701942600|'));
    expect(withingsDedupKey(note({ action: 'unlink' }))).toBe(sha('12345|44|1701942000|1701942600|unlink'));
  });

  it('should tell apart notifications that differ only by date or deviceid', () => {
    const keys = [
      note({}),
      note({ date: '2023-12-07' }),
      note({ date: '2023-12-08' }),
      note({ date: '1701942000' }),
      note({ deviceid: 'dev-a' }),
      note({ deviceid: 'dev-b' }),
      note({ date: '2023-12-07', deviceid: 'dev-a' }),
      note({ deviceid: '' }),
    ].map(withingsDedupKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(withingsDedupKey(note({ date: '2023-12-07' }))).toBe(
      withingsDedupKey(note({ date: '2023-12-07' })),
    );
  });

  it('should not let a deviceid holding separators collide with another notification', () => {
    const a = withingsDedupKey(note({ date: '2023-12-07', deviceid: 'x|y' }));
    const b = withingsDedupKey(note({ date: '2023-12-07|x', deviceid: 'y' }));
    expect(a).not.toBe(b);
  });
});
