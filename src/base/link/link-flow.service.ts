import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { canActFor, type Principal } from '../../common/auth/principal.js';
import { ApiError, NotFoundError, ValidationError } from '../../common/errors/api-error.js';
import { AppConfig } from '../../config/app-config.js';
import { ProviderAdapters } from '../../ingestors/auth/provider-adapters.js';
import type { LinkGrant, PkceStateStore } from '../../ingestors/auth/provider-auth.js';
import { runStrategy } from '../../ingestors/auth/run-strategy.js';
import { TokenVault } from '../../ingestors/tokens/token-vault.js';
import {
  InvalidStateError,
  LinkStateService,
  type ConsumedState,
  type LinkContext,
} from './link-state.service.js';
import { LinkCompletionService } from './link-completion.service.js';
import { AccountLinkedElsewhereError } from './link-writer.repository.js';
import { PendingLinkRepository } from './pending/pending-link.repository.js';
import { isAllowedRedirect } from './redirect-allowlist.js';

export interface StartLinkInput {
  readonly ehrUserId: string;
  readonly successUrl: string | undefined;
  readonly errorUrl: string | undefined;
}

/** How the callback answers: a browser redirect, or JSON when the link was started without redirect targets. */
export type CallbackResult =
  | { readonly redirect: string }
  | { readonly status: number; readonly body: Record<string, unknown> };

/**
 * The OAuth link flow. Both steps run through the provider's passport-oauth2 strategy: the start step gets the
 * authorize URL (with PKCE for Google) and a state issued by LinkStateService through the strategy's state store;
 * the callback burns the state first (so a provider error can still go to the right error_url), then lets the
 * strategy exchange the code and load the identity.
 */
@Injectable()
export class LinkFlowService {
  private readonly logger = new Logger('LinkFlow');

  constructor(
    private readonly config: AppConfig,
    private readonly adapters: ProviderAdapters,
    private readonly vault: TokenVault,
    private readonly state: LinkStateService,
    private readonly completion: LinkCompletionService,
    private readonly pending: PendingLinkRepository,
  ) {}

  /** The provider's authorize URL for this patient, and when the flow it starts expires. */
  async start(
    principal: Principal,
    provider: string,
    input: StartLinkInput,
    publicBase: string,
  ): Promise<{ url: string; expiresAt: Date }> {
    this.ensureConfigured(provider);
    if (!canActFor(principal, input.ehrUserId)) {
      throw new NotFoundError(`User ${input.ehrUserId} not found`);
    }
    const problems: Record<string, string[]> = {};
    for (const [field, value] of [
      ['success_url', input.successUrl],
      ['error_url', input.errorUrl],
    ] as const) {
      if (value !== undefined && !isAllowedRedirect(value, this.config.linking.redirectAllowlist)) {
        problems[field] = ['Not an allowed redirect target (see LINK_REDIRECT_ALLOWLIST).'];
      }
    }
    if (Object.keys(problems).length > 0) {
      throw new ValidationError(problems);
    }
    const context: LinkContext = {
      ...input,
      organizationId: principal.organizationId,
      provider,
      actor: principal.subject,
    };
    let expiresAt: Date | undefined;
    const store: PkceStateStore = {
      store: (_req, verifier, _state, _meta, done) => {
        this.state.issue(context, verifier).then(
          (issued) => {
            expiresAt = issued.expiresAt;
            done(null, issued.state);
          },
          (err: unknown) => {
            done(err instanceof Error ? err : new Error(String(err)));
          },
        );
      },
      verify: (_req, _state, _meta, done) => {
        done(new Error('not a callback'), false);
      },
    };
    const outcome = await runStrategy(this.strategyFor(provider, store, publicBase), { query: {} }, {});
    if (outcome.kind !== 'redirect' || expiresAt === undefined) {
      this.logger.error({ outcome: outcome.kind }, 'authorize step did not redirect');
      throw new ApiError(HttpStatus.BAD_GATEWAY, 'link_start_failed', 'Could not start linking');
    }
    return { url: outcome.url, expiresAt };
  }

  async callback(
    provider: string,
    query: Readonly<Record<string, string | undefined>>,
    publicBase: string,
    requestId: string,
  ): Promise<CallbackResult> {
    this.ensureConfigured(provider);
    let state: ConsumedState;
    try {
      state = await this.state.consume(query['state'], provider);
    } catch (err) {
      if (err instanceof InvalidStateError) {
        // Redirect targets come from the state, so an unverified state can only get a plain error.
        throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_state', 'Invalid, expired or already used state');
      }
      throw err;
    }
    if (query['error'] !== undefined || query['code'] === undefined) {
      const code = query['error'] === 'access_denied' ? 'access_denied' : 'invalid_request';
      return this.failure(state, code, HttpStatus.BAD_REQUEST, 'The provider did not authorize the link');
    }
    const store: PkceStateStore = {
      store: (_req, _verifier, _state, _meta, done) => {
        done(new Error('not an authorize step'));
      },
      verify: (_req, _state, _meta, done) => {
        done(null, state.verifier ?? true, {});
      },
    };
    const outcome = await runStrategy(
      this.strategyFor(provider, store, publicBase),
      { query: { code: query['code'], state: query['state'] } },
      {},
    );
    if (outcome.kind !== 'success') {
      this.logger.warn({ provider, outcome: outcome.kind }, 'code exchange failed');
      return this.failure(state, 'token_exchange_failed', HttpStatus.BAD_GATEWAY, 'The code exchange failed');
    }
    const grant = outcome.user as LinkGrant;
    const completion = {
      organizationId: state.organizationId,
      ehrUserId: state.ehrUserId,
      provider,
      grant,
      actor: state.actor,
      requestId,
    };
    try {
      if (this.config.linking.confirmation.required) {
        await this.completion.ensureNotHeldElsewhere(completion);
        return await this.park(state, provider, grant);
      }
      await this.completion.complete(completion);
    } catch (err) {
      if (err instanceof AccountLinkedElsewhereError) {
        return this.failure(state, 'account_linked_elsewhere', HttpStatus.CONFLICT, err.message);
      }
      throw err;
    }
    if (state.successUrl !== undefined) {
      return { redirect: state.successUrl };
    }
    return {
      status: HttpStatus.OK,
      body: {
        message: 'Provider linked',
        ehr_user_id: state.ehrUserId,
        provider,
        status: 'linked',
        external_user_id: grant.identity.externalUserId,
      },
    };
  }

  /**
   * Parks the grant as a pending link: the browser that completed the consent carries the one-time code to the
   * clinical app, which confirms it with a credential of the patient the flow was started for.
   */
  private async park(state: ConsumedState, provider: string, grant: LinkGrant): Promise<CallbackResult> {
    const { code, expiresAt } = await this.pending.park({
      organizationId: state.organizationId,
      ehrUserId: state.ehrUserId,
      providerType: provider,
      grant,
      actor: state.actor,
      ttlS: this.config.linking.confirmation.ttlS,
    });
    if (state.successUrl !== undefined) {
      const target = new URL(state.successUrl);
      target.searchParams.set('confirmation_code', code);
      target.searchParams.set('provider', provider);
      return { redirect: target.toString() };
    }
    return {
      status: HttpStatus.OK,
      body: {
        message: 'Consent received: confirm the link with a credential of the patient',
        provider,
        status: 'pending_confirmation',
        confirmation_code: code,
        expires_at: expiresAt.toISOString(),
      },
    };
  }

  private failure(state: ConsumedState, code: string, status: HttpStatus, message: string): CallbackResult {
    if (state.errorUrl !== undefined) {
      const target = new URL(state.errorUrl);
      target.searchParams.set('error', code);
      return { redirect: target.toString() };
    }
    throw new ApiError(status, code, message);
  }

  /** `base` is the service's public base URL (publicBaseOf), which the callback must be registered under. */
  private strategyFor(provider: string, store: PkceStateStore, base: string) {
    return this.adapters.auth(provider).strategy(store, `${base}/api/base/link/${provider}/callback`);
  }

  private ensureConfigured(provider: string): void {
    if (!this.adapters.auth(provider).configured || !this.vault.configured || !this.state.configured) {
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'provider_not_configured',
        `Linking ${provider} is not configured on this deployment`,
      );
    }
  }
}
