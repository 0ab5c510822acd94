import type { ArgumentMetadata } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { createValidationPipe } from '../../common/http/validation.pipe.js';
import { WithingsNotificationDto } from './withings-notification.dto.js';
import { parseWithingsNotification } from './withings-notification.parse.js';

const BODY: ArgumentMetadata = { type: 'body', metatype: WithingsNotificationDto };
const BASE = { userid: '12345', appli: '44', startdate: '1701942000', enddate: '1701942600' };

/** What the global pipe makes of a body: the DTO as a plain object, or undefined when it refuses it. */
async function viaPipe(body: unknown): Promise<Record<string, unknown> | undefined> {
  try {
    const dto: unknown = await createValidationPipe().transform(body, BODY);
    return { ...(dto as Record<string, unknown>) };
  } catch {
    return undefined;
  }
}

const bodies: ReadonlyArray<readonly [string, unknown]> = [
  ['a form notification', BASE],
  ['JSON numbers', { userid: 12345, appli: 4, startdate: 1701942000, enddate: 1701942600 }],
  ['the optional fields', { ...BASE, date: '2023-12-07', deviceid: 'dev-a', action: 'unlink' }],
  ['an epoch date', { ...BASE, date: '1701942000' }],
  ['unknown fields', { ...BASE, callbackurl: 'https://x.example/', comment: 'user' }],
  ['only the required fields', { userid: '1', appli: '1' }],
  ['no userid', { appli: '1' }],
  ['no appli', { userid: '1' }],
  ['a non-numeric userid', { ...BASE, userid: 'abc' }],
  ['a 21-digit userid', { ...BASE, userid: '1'.repeat(21) }],
  ['a 4-digit appli', { ...BASE, appli: '1234' }],
  ['a fractional number', { ...BASE, startdate: 1.5 }],
  ['a huge number', { ...BASE, userid: 1e21 }],
  ['a bad date', { ...BASE, date: '07/12/2023' }],
  ['a numeric deviceid', { ...BASE, deviceid: 42 }],
  ['a 128-character deviceid', { ...BASE, deviceid: 'd'.repeat(128) }],
  ['a 129-character deviceid', { ...BASE, deviceid: 'd'.repeat(129) }],
  ['an upper-case action', { ...BASE, action: 'Unlink' }],
  ['a repeated form field', { ...BASE, appli: ['1', '2'] }],
  ['a boolean', { ...BASE, appli: true }],
  ['an array body', [BASE]],
  ['a string body', 'userid=1'],
  ['no body', undefined],
];

describe(parseWithingsNotification.name, () => {
  it.each(bodies)('should decide %s as the global pipe does', async (_, body) => {
    const fast = parseWithingsNotification(body);
    const pipe = await viaPipe(body);
    expect(fast === undefined ? undefined : { ...fast }).toEqual(pipe);
  });

  it('should leave a null optional field to the pipe (which takes it as absent)', async () => {
    const body = { ...BASE, date: null };
    expect(parseWithingsNotification(body)).toBeUndefined();
    expect(await viaPipe(body)).toBeDefined();
  });
});
