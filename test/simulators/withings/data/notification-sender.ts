/** The fields of one Withings notification (research A3); numbers are sent as their decimal text. */
export interface NotificationFields {
  readonly userid: number | string;
  readonly appli: number | string;
  readonly startdate?: number | string;
  readonly enddate?: number | string;
  readonly date?: string | number;
  readonly deviceid?: string;
  readonly action?: 'delete' | 'unlink' | 'update';
}

/** POSTs one notification form-encoded and unsigned, as Withings does; resolves with the HTTP status. */
export async function sendNotification(callbackUrl: string, fields: NotificationFields): Promise<number> {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(fields) as Array<[string, string | number | undefined]>) {
    if (value !== undefined) {
      form.set(key, String(value));
    }
  }
  const res = await fetch(callbackUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    signal: AbortSignal.timeout(5000),
  });
  await res.arrayBuffer();
  return res.status;
}
