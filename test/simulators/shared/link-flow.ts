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

/**
 * Starts a link as the EHR backend and follows the browser's redirects by hand: our 302 → the provider's consent
 * page (already armed with approveNext/denyNext) → its 302 to our callback → our answer.
 */
export async function linkThrough(
  service: { readonly base: string; readonly auth: Record<string, string> },
  provider: string,
  query: Record<string, string>,
): Promise<{ authorize: URL; callback: URL; final: Hop }> {
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
  return { authorize: new URL(start.location), callback: new URL(consent.location), final };
}
