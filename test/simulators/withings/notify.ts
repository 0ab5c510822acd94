import { headProbe } from '../shared/probe.js';
import { fail, ok, STATUS, type WithingsReply } from './replies.js';

export interface Subscription {
  appli: number;
  callbackurl: string;
  comment?: string;
}

/** appli codes a subscription may name (research A3); 53 is app-level and cannot be subscribed per user. */
const APPLIS: ReadonlySet<number> = new Set([1, 2, 4, 16, 44, 46, 50, 51, 52, 54, 55, 58, 60, 61, 62, 63]);
/** notify list reports no real expiry; this is the value captured in aiowithings' notify_list.json. */
const NEVER_EXPIRES = 2_147_483_647;
const MAX_CALLBACK_LENGTH = 255;

/** Per-user notification subscriptions and the `/notify` actions over them. */
export class NotifyStore {
  private readonly byUser = new Map<number, Subscription[]>();

  list(userid: number): Subscription[] {
    return (this.byUser.get(userid) ?? []).map((s) => ({ ...s }));
  }

  /** Users with at least one subscription: the ones Withings sends notifications for. */
  users(): number[] {
    return [...this.byUser].filter(([, subs]) => subs.length > 0).map(([userid]) => userid);
  }

  clear(userid: number): void {
    this.byUser.delete(userid);
  }

  cancel(userid: number, appli?: number): void {
    const kept = (this.byUser.get(userid) ?? []).filter((s) => appli !== undefined && s.appli !== appli);
    this.byUser.set(userid, kept);
  }

  async handle(userid: number, form: URLSearchParams): Promise<WithingsReply> {
    switch (form.get('action') ?? '') {
      case 'subscribe':
        return this.subscribe(userid, form);
      case 'list':
        return this.listReply(userid, form);
      case 'get':
        return this.get(userid, form);
      case 'revoke':
        return this.revoke(userid, form);
      case 'update':
        return this.update(userid, form);
      default:
        return fail(STATUS.notImplemented, 'Not implemented');
    }
  }

  private async subscribe(userid: number, form: URLSearchParams): Promise<WithingsReply> {
    const target = parseTarget(form.get('callbackurl'), form.get('appli'));
    if (!target) {
      return fail(STATUS.invalidParams, 'Invalid Params');
    }
    const probe = await headProbe(new URL(target.callbackurl));
    if (!probe.ok) {
      return fail(STATUS.callbackRejected, 'Invalid Params: the callback URL did not answer HEAD with 2xx');
    }
    const subs = this.byUser.get(userid) ?? [];
    // Subscribing the same pair again is accepted without creating a second profile.
    if (!subs.some((s) => sameTarget(s, target))) {
      const comment = form.get('comment');
      subs.push(comment === null ? target : { ...target, comment });
      this.byUser.set(userid, subs);
    }
    return ok();
  }

  private listReply(userid: number, form: URLSearchParams): WithingsReply {
    const appli = form.get('appli');
    const subs = this.list(userid).filter((s) => appli === null || s.appli === Number(appli));
    return ok({ profiles: subs.map(profile) });
  }

  private get(userid: number, form: URLSearchParams): WithingsReply {
    const target = parseTarget(form.get('callbackurl'), form.get('appli'));
    const found = target && this.byUser.get(userid)?.find((s) => sameTarget(s, target));
    return found ? ok(profile(found)) : fail(STATUS.noSuchSubscription, 'No such subscription');
  }

  private revoke(userid: number, form: URLSearchParams): WithingsReply {
    const target = parseTarget(form.get('callbackurl'), form.get('appli'));
    const subs = this.byUser.get(userid) ?? [];
    const index = target ? subs.findIndex((s) => sameTarget(s, target)) : -1;
    if (index < 0) {
      return fail(STATUS.noSuchSubscription, 'No such subscription');
    }
    subs.splice(index, 1);
    return ok();
  }

  private async update(userid: number, form: URLSearchParams): Promise<WithingsReply> {
    const target = parseTarget(form.get('callbackurl'), form.get('appli'));
    const next = parseTarget(form.get('new_callbackurl'), form.get('new_appli'));
    const found = target && this.byUser.get(userid)?.find((s) => sameTarget(s, target));
    if (!found || !next) {
      return fail(STATUS.noSuchSubscription, 'No such subscription');
    }
    if (!(await headProbe(new URL(next.callbackurl))).ok) {
      return fail(STATUS.callbackRejected, 'Invalid Params: the callback URL did not answer HEAD with 2xx');
    }
    found.callbackurl = next.callbackurl;
    found.appli = next.appli;
    return ok();
  }
}

function parseTarget(callbackurl: string | null, appliText: string | null): Subscription | undefined {
  const appli = Number(appliText);
  if (!callbackurl || callbackurl.length > MAX_CALLBACK_LENGTH || !APPLIS.has(appli)) {
    return undefined;
  }
  try {
    const url = new URL(callbackurl);
    return url.protocol === 'http:' || url.protocol === 'https:' ? { appli, callbackurl } : undefined;
  } catch {
    return undefined;
  }
}

const sameTarget = (a: Subscription, b: Subscription): boolean =>
  a.appli === b.appli && a.callbackurl === b.callbackurl;

const profile = (s: Subscription): Record<string, unknown> => ({
  appli: s.appli,
  callbackurl: s.callbackurl,
  expires: NEVER_EXPIRES,
  comment: s.comment ?? '',
});
