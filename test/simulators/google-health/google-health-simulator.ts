import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { SimClock } from '../shared/clock.js';
import type { ConsentDecision } from '../shared/consent.js';
import { FaultQueue } from '../shared/faults.js';
import { close, listen, requestUrl, sendJson } from '../shared/http.js';
import { DeterministicIds, nextSeed } from '../shared/ids.js';
import { DataApiControls } from './data-api.js';
import { HealthData, type UserDataOptions } from './data/store.js';
import type { WirePoint } from './data/wire.js';
import { handleHealthApi } from './health-api.js';
import {
  AUTHORIZE_PATH,
  handleAuthorize,
  handleRevoke,
  handleToken,
  REVOKE_PATH,
  TOKEN_PATH,
  type OAuthContext,
} from './oauth.js';
import { GoogleState, type GoogleUser } from './state.js';

export interface GoogleHealthSimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  now?: () => number;
  /** Fixed loopback ports for the local sandbox; tests leave them out and get free ones. */
  ports?: { accounts?: number; oauth?: number; api?: number };
}

type Endpoint = { server: Server; baseUrl: string };

const FIRST_HEALTH_USER_ID = 7_583_570_207_748_835_967n;
const LEGACY_ID_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTVWXYZ';

/**
 * Google as the Health API's clients see it: accounts.google.com for consent, oauth2.googleapis.com for
 * tokens and revocation, health.googleapis.com for data. Each is its own listener, as each is its own host.
 */
export class GoogleHealthSimulator {
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly revokeUrl: string;
  readonly apiBaseUrl: string;
  private readonly state: GoogleState;
  private readonly faults = new FaultQueue();
  private readonly decisions: ConsentDecision[] = [];
  private readonly oauth: OAuthContext;
  private readonly data: HealthData;
  private readonly controls = new DataApiControls();
  private tokenCallCount = 0;

  private constructor(
    private readonly clock: SimClock,
    credentials: { clientId: string; clientSecret: string },
    private readonly endpoints: { accounts: Endpoint; oauth: Endpoint; api: Endpoint },
  ) {
    this.authorizeUrl = `${endpoints.accounts.baseUrl}${AUTHORIZE_PATH}`;
    this.tokenUrl = `${endpoints.oauth.baseUrl}${TOKEN_PATH}`;
    this.revokeUrl = `${endpoints.oauth.baseUrl}${REVOKE_PATH}`;
    this.apiBaseUrl = endpoints.api.baseUrl;
    this.state = new GoogleState(clock, new DeterministicIds(nextSeed('google-health')));
    this.data = new HealthData(clock);
    this.oauth = {
      ...credentials,
      state: this.state,
      takeDecision: () => this.decisions.shift(),
      countTokenCall: () => {
        this.tokenCallCount += 1;
      },
    };
  }

  static async start(options: GoogleHealthSimulatorOptions = {}): Promise<GoogleHealthSimulator> {
    // The listeners need the instance and the instance needs their URLs; requests before it exists get 503.
    const ref: { sim?: GoogleHealthSimulator } = {};
    const route =
      (
        handle: (s: GoogleHealthSimulator, req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
      ) =>
      async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        if (ref.sim) {
          await handle(ref.sim, req, res);
        } else {
          sendJson(res, 503, { error: 'simulator starting' });
        }
      };
    const accounts = await listen(
      route((s, req, res) => handleAuthorize(req, res, s.oauth)),
      options.ports?.accounts,
    );
    const oauth = await listen(
      route((s, req, res) => s.handleOAuthHost(req, res)),
      options.ports?.oauth,
    );
    const api = await listen(
      route((s, req, res) => {
        handleHealthApi(req, res, { state: s.state, faults: s.faults, data: s.data, controls: s.controls });
      }),
      options.ports?.api,
    );
    const sim = new GoogleHealthSimulator(
      new SimClock(options.now),
      {
        clientId: options.clientId ?? 'ohe-web.apps.googleusercontent.com',
        clientSecret: options.clientSecret ?? 'GOCSPX-ohe-secret',
      },
      { accounts, oauth, api },
    );
    ref.sim = sim;
    return sim;
  }

  /** Every authorization code and token this simulator issued. */
  issuedSecrets(): string[] {
    return [...this.state.issued];
  }

  get tokenCalls(): number {
    return this.tokenCallCount;
  }

  /**
   * legacyUserId '' models a Google account that never had Fitbit. The user's data (seeded by healthUserId)
   * reaches back 120 days from now, at `utcOffsetSeconds` (default 3600, i.e. `"3600s"`).
   */
  addUser(user: { healthUserId?: string; legacyUserId?: string } & UserDataOptions = {}): GoogleUser {
    const n = this.state.users.size;
    const created: GoogleUser = {
      healthUserId: user.healthUserId ?? String(FIRST_HEALTH_USER_ID + BigInt(n)),
      legacyUserId: user.legacyUserId ?? legacyId(n),
    };
    if (!/^[A-Za-z0-9-]{1,63}$/.test(created.healthUserId) || this.state.users.has(created.healthUserId)) {
      throw new Error(`healthUserId ${created.healthUserId} is malformed or already taken`);
    }
    this.state.users.set(created.healthUserId, created);
    this.data.addUser(created.healthUserId, user);
    return { ...created };
  }

  /** Users whose consent is live: the ones Google sends a project's subscriber notifications for. */
  consentingUsers(): string[] {
    return [...this.state.users.keys()].filter((id) => this.state.hasGrant(id));
  }

  /** `scopes`, when given, is what the user leaves ticked on the granular consent screen. */
  approveNext(healthUserId: string, scopes?: readonly string[]): void {
    if (!this.state.users.has(healthUserId)) {
      throw new Error(`unknown Google sandbox user ${healthUserId}; call addUser() first`);
    }
    this.decisions.push(
      scopes ? { kind: 'approve', user: healthUserId, scopes } : { kind: 'approve', user: healthUserId },
    );
  }

  denyNext(): void {
    this.decisions.push({ kind: 'deny' });
  }

  /** The user removes the app under "Third-party connections": the grant and all its tokens end. */
  revokeAccess(healthUserId: string): void {
    this.state.endGrant(healthUserId);
  }

  /** Health API calls only; answers google.rpc.Status (429 → RESOURCE_EXHAUSTED, 503 → UNAVAILABLE). */
  failNext(httpStatus: number, times = 1): void {
    this.faults.arm(httpStatus, times);
  }

  /**
   * Plants one data point in wire form, e.g. `{name, dataSource, weight: {weightGrams, sampleTime}}`; list and
   * reconcile serve it as given (reconcile moves `name` to `dataPointName` and drops `dataSource`).
   */
  addDataPoint(healthUserId: string, dataType: string, point: WirePoint): void {
    this.data.plant(healthUserId, dataType, point);
  }

  /** The next `times` dataPoints/pairedDevices calls answer this status (google.rpc.Status), with Retry-After if given. */
  failNextDataCalls(httpStatus: number, times = 1, retryAfterSeconds?: number): void {
    this.controls.arm(
      retryAfterSeconds === undefined
        ? { status: httpStatus }
        : { status: httpStatus, retryAfterS: retryAfterSeconds },
      times,
    );
  }

  /** The next `times` data calls get no answer at all, so only the client's timeout ends them. */
  hangNextDataCalls(times = 1): void {
    this.controls.arm({ hang: true }, times);
  }

  /** Google's per-user limit is 300 requests a minute (wall clock); tests may lower it. */
  setQuotaPerMinute(limit: number): void {
    this.controls.quotaPerMinute = limit;
  }

  /** Data calls received (before faults, auth and quota), by kebab data type, or `pairedDevices`. */
  dataCalls(key: string): number {
    return this.controls.calls.get(key) ?? 0;
  }

  /** The points list would serve for a type and filter, newest first: what assertions compare against. */
  expectedPoints(healthUserId: string, dataType: string, filter: string): WirePoint[] {
    return this.data.expected(healthUserId, dataType, filter);
  }

  now(): number {
    return this.clock.now();
  }

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.endpoints).map((e) => close(e.server)));
  }

  private async handleOAuthHost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = requestUrl(req).pathname;
    if (path === TOKEN_PATH) {
      await handleToken(req, res, this.oauth);
    } else if (path === REVOKE_PATH) {
      await handleRevoke(req, res, this.oauth);
    } else {
      sendJson(res, 404, { error: 'not_found' });
    }
  }
}

/** Legacy Fitbit ids are six characters such as 2E4RVC. */
function legacyId(n: number): string {
  let value = 2_000_000 + n * 7919;
  let out = '';
  for (let i = 0; i < 6; i += 1) {
    out = (LEGACY_ID_ALPHABET[value % LEGACY_ID_ALPHABET.length] ?? '0') + out;
    value = Math.floor(value / LEGACY_ID_ALPHABET.length);
  }
  return out;
}
