import { escapeHtml } from './http.js';

/** What the simulated user answers on a provider's consent page; `user` is the provider's own user id. */
export type ConsentDecision =
  | { readonly kind: 'approve'; readonly user: string; readonly scopes?: readonly string[] }
  | { readonly kind: 'deny' };

/**
 * A person driving the local sandbox has no test to arm a decision, so the page offers one link per sandbox
 * user; following a link re-enters the authorize URL with the decision in `sim_*` parameters.
 */
export function decisionFromPage(q: URLSearchParams): ConsentDecision | undefined {
  const decision = q.get('sim_decision');
  const user = q.get('sim_user');
  if (decision === 'deny') {
    return { kind: 'deny' };
  }
  return decision === 'allow' && user ? { kind: 'approve', user } : undefined;
}

export function consentPage(url: URL, title: string, users: readonly string[]): string {
  const link = (params: Record<string, string>, label: string): string => {
    const target = new URL(url);
    for (const [key, value] of Object.entries(params)) {
      target.searchParams.set(key, value);
    }
    return `<li><a href="${escapeHtml(target.pathname + target.search)}">${escapeHtml(label)}</a></li>`;
  };
  const allow = users.map((user) => link({ sim_decision: 'allow', sim_user: user }, `Allow as ${user}`));
  const deny = link({ sim_decision: 'deny' }, 'Deny');
  return `<!doctype html><title>${escapeHtml(title)} (simulator)</title><h1>Authorize this app?</h1><ul>${allow.join('')}${deny}</ul>`;
}
