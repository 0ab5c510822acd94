import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../../common/audit/audit.service.js';
import type { LinkGrant } from '../../ingestors/auth/provider-auth.js';
import { LinkTokenRepository } from '../../ingestors/tokens/link-token.repository.js';
import { TokenVault } from '../../ingestors/tokens/token-vault.js';

export interface SaveGrantInput {
  readonly organizationId: string;
  readonly ehrUserId: string;
  readonly providerType: string;
  readonly grant: LinkGrant;
  readonly actor: string;
  readonly requestId: string;
  /** How giving back the patient's previous account of this provider went, when this grant replaces one. */
  readonly supersededRevocation?: string;
  /** When the provider issued the tokens (a confirmed pending link was issued minutes before it is saved). */
  readonly issuedAt?: Date;
}

/** The provider account is linked to another patient who has not unlinked it: it is never moved silently. */
export class AccountLinkedElsewhereError extends Error {
  override readonly name = 'AccountLinkedElsewhereError';
}

export interface SavedLink {
  readonly linkId: number;
  readonly action: 'link.created' | 'link.reauthorized' | 'link.moved' | 'link.account_changed';
}

interface LinkRow {
  id: number;
  user_id: string;
  ehr_user_id: string;
  external_user_id: string;
  status: string;
}

/**
 * Writes a completed authorization in one transaction: the EHR user (created on first link), the link (one
 * provider account belongs to one EHR user: an account another user still holds is refused; one its owner unlinked
 * moves, audited), the sealed tokens and the audit event. Advisory locks on the provider account and on the user's provider slot serialise concurrent
 * callbacks for either.
 */
@Injectable()
export class LinkWriterRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: TokenVault,
    private readonly tokens: LinkTokenRepository,
    private readonly audit: AuditService,
  ) {}

  saveGrant(input: SaveGrantInput): Promise<SavedLink> {
    const { identity, tokens } = input.grant;
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `link-account:${input.providerType}:${identity.externalUserId}`,
      ]);
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `link-user:${input.providerType}:${input.organizationId}:${input.ehrUserId}`,
      ]);
      const patient = [input.organizationId, input.ehrUserId];
      await m.query(
        `INSERT INTO ehr_users (organization_id, ehr_user_id) VALUES ($1, $2)
           ON CONFLICT (organization_id, ehr_user_id) DO NOTHING`,
        patient,
      );
      const [user] = await m.query<{ id: string }[]>(
        `SELECT id FROM ehr_users WHERE organization_id = $1 AND ehr_user_id = $2`,
        patient,
      );
      const [provider] = await m.query<{ id: number }[]>(
        `SELECT id FROM providers WHERE provider_type = $1`,
        [input.providerType],
      );
      if (user === undefined || provider === undefined) {
        throw new Error(`provider ${input.providerType} is not seeded`);
      }
      const find = async (where: string, value: string): Promise<LinkRow | undefined> =>
        (
          await m.query<LinkRow[]>(
            `SELECT l.id, l.user_id, u.ehr_user_id, l.external_user_id, l.status
               FROM provider_links l JOIN ehr_users u ON u.id = l.user_id
              WHERE l.provider_id = $1 AND ${where} = $2 FOR UPDATE OF l`,
            [provider.id, value],
          )
        )[0];
      const byAccount = await find('l.external_user_id', identity.externalUserId);
      const byUser = await find('l.user_id', user.id);
      let linkId: number;
      let action: SavedLink['action'];
      const details: Record<string, unknown> = {};
      if (input.supersededRevocation !== undefined) {
        details['superseded_account_revocation'] = input.supersededRevocation;
      }
      if (byAccount !== undefined && byAccount.user_id !== user.id && byAccount.status !== 'revoked') {
        throw new AccountLinkedElsewhereError(`${input.providerType} account is linked to another patient`);
      }
      if (byAccount !== undefined) {
        linkId = byAccount.id;
        action = byAccount.user_id === user.id ? 'link.reauthorized' : 'link.moved';
        if (action === 'link.moved') {
          details['from_ehr_user_id'] = byAccount.ehr_user_id;
          if (byUser !== undefined) {
            // The user's slot for this provider held another account: that link gives way (its tokens die with it).
            await m.query(`DELETE FROM provider_links WHERE id = $1`, [byUser.id]);
            details['replaced_link_id'] = byUser.id;
          }
          await m.query(`UPDATE provider_links SET user_id = $2, linked_at = now() WHERE id = $1`, [
            linkId,
            user.id,
          ]);
        }
      } else if (byUser !== undefined) {
        linkId = byUser.id;
        action = 'link.account_changed';
        details['previous_external_user_id'] = byUser.external_user_id;
        await m.query(`UPDATE provider_links SET external_user_id = $2, linked_at = now() WHERE id = $1`, [
          linkId,
          identity.externalUserId,
        ]);
      } else {
        const [created] = await m.query<{ id: number }[]>(
          `INSERT INTO provider_links (user_id, provider_id, external_user_id) VALUES ($1, $2, $3) RETURNING id`,
          [user.id, provider.id, identity.externalUserId],
        );
        if (created === undefined) {
          throw new Error('provider link insert returned no id');
        }
        linkId = created.id;
        action = 'link.created';
      }
      await this.activate(m, linkId, input.grant, input.issuedAt ?? new Date());
      await this.audit.record(
        {
          actor: input.actor,
          action,
          ehrUserId: input.ehrUserId,
          provider: input.providerType,
          linkId,
          requestId: input.requestId,
          details: { ...details, scopes: [...tokens.scopes] },
        },
        m,
      );
      return { linkId, action };
    });
  }

  private async activate(m: EntityManager, linkId: number, grant: LinkGrant, issuedAt: Date): Promise<void> {
    await m.query(`UPDATE provider_links SET status = 'active', legacy_user_id = $2 WHERE id = $1`, [
      linkId,
      grant.identity.legacyUserId,
    ]);
    await this.tokens.saveTokens(
      m,
      linkId,
      this.vault.seal(linkId, grant.tokens),
      { issuedAt, expiresAt: new Date(issuedAt.getTime() + grant.tokens.expiresInS * 1000) },
      grant.tokens.scopes,
    );
  }
}
