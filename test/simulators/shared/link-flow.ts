/** One hop of a browser's redirect chain, not followed. */
export interface Hop {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

export async function hop(url: string, headers: Record<string, string> = {}): Promise<Hop> {
  const res = await fetch(url, { redirect: 'manual', headers });
  const location = res.headers.get('location') ?? undefined;
  return { status: res.status, location, body: await res.text() };
}

interface Service {
  readonly base: string;
  readonly auth: Record<string, string>;
}

/** The one-time code a callback answer carries: in success_url's query, or in the JSON body. */
export function confirmationCodeOf(answer: Hop): string | undefined {
  if (answer.status === 302 && answer.location !== undefined) {
    return new URL(answer.location).searchParams.get('confirmation_code') ?? undefined;
  }
  if (answer.status === 200) {
    const body = JSON.parse(answer.body) as { confirmation_code?: string };
    return body.confirmation_code;
  }
  return undefined;
}

/** POSTs a confirmation as the clinical app would, with the given credential. */
export async function confirmLink(
  service: Service,
  provider: string,
  body: { confirmation_code: string; ehr_user_id?: string },
  auth: Record<string, string> = service.auth,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${service.base}/api/base/link/${provider}/confirm/`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/**
 * Starts a link as the EHR backend and follows the browser's redirects by hand: our 302 → the provider's consent
 * page (already armed with approveNext/denyNext) → its 302 to our callback → our answer. When that answer carries a
 * confirmation code, the backend confirms it for the patient (unless `confirm` is false), as a clinical app does.
 */
export async function linkThrough(
  service: Service,
  provider: string,
  query: Record<string, string>,
  options: { confirm?: boolean } = {},
): Promise<{
  authorize: URL;
  callback: URL;
  final: Hop;
  confirmed: { status: number; body: Record<string, unknown> } | undefined;
}> {
  const start = await hop(
    `${service.base}/api/base/link/${provider}/?${new URLSearchParams(query).toString()}`,
    service.auth,
  );
  if (start.status !== 302 || start.location === undefined) {
    throw new Error(`link start answered ${start.status}: ${start.body}`);
  }
  const consent = await hop(start.location);
  if (consent.status !== 302 || consent.location === undefined) {
    throw new Error(`consent answered ${consent.status}: ${consent.body}`);
  }
  const final = await hop(consent.location);
  const code = options.confirm === false ? undefined : confirmationCodeOf(final);
  let confirmed: { status: number; body: Record<string, unknown> } | undefined;
  if (code !== undefined) {
    const ehrUserId = query['ehr_user_id'];
    confirmed = await confirmLink(service, provider, {
      confirmation_code: code,
      ...(ehrUserId === undefined ? {} : { ehr_user_id: ehrUserId }),
    });
    if (confirmed.status !== 200) {
      throw new Error(`confirmation answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`);
    }
  }
  return { authorize: new URL(start.location), callback: new URL(consent.location), final, confirmed };
}
