import type OAuth2Strategy from 'passport-oauth2';

export type StrategyOutcome =
  | { readonly kind: 'redirect'; readonly url: string }
  | { readonly kind: 'success'; readonly user: unknown; readonly info: unknown }
  | { readonly kind: 'fail'; readonly challenge: unknown }
  | { readonly kind: 'error'; readonly error: unknown };

/** The request shape passport-oauth2 reads: query parameters only (absolute callback URLs, no sessions). */
export interface StrategyRequest {
  readonly query: Readonly<Record<string, string | undefined>>;
}

/**
 * Runs one passport strategy step and reports how it ended, as passport's own middleware does (it too augments
 * an Object.create()d copy of the strategy with success/fail/redirect/error), without Express sessions.
 */
export function runStrategy(
  strategy: OAuth2Strategy,
  req: StrategyRequest,
  options: Record<string, unknown>,
): Promise<StrategyOutcome> {
  return new Promise((resolve) => {
    const step = Object.create(strategy) as OAuth2Strategy & Record<string, unknown>;
    step['redirect'] = (url: string) => {
      resolve({ kind: 'redirect', url });
    };
    step['success'] = (user: unknown, info: unknown) => {
      resolve({ kind: 'success', user, info });
    };
    step['fail'] = (challenge: unknown) => {
      resolve({ kind: 'fail', challenge });
    };
    step['error'] = (error: unknown) => {
      resolve({ kind: 'error', error });
    };
    step['pass'] = () => {
      resolve({ kind: 'fail', challenge: 'pass' });
    };
    try {
      step.authenticate(req as never, options);
    } catch (error) {
      resolve({ kind: 'error', error });
    }
  });
}
