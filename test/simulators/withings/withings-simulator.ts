import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { SimClock } from '../shared/clock.js';
import { FaultQueue } from '../shared/faults.js';
import { bearerToken, close, listen, readForm, requestUrl, sendJson } from '../shared/http.js';
import { DeterministicIds, nextSeed } from '../shared/ids.js';
import { NotifyStore, type Subscription } from './notify.js';
import type { ConsentDecision } from '../shared/consent.js';
import { AUTHORIZE_PATH, handleAuthorize, requestToken, type OAuthContext } from './oauth.js';
import { fail, injectedFailure, invalidToken, STATUS, type WithingsReply } from './replies.js';
import { WithingsState } from './state.js';
import type { MeasureGroup } from './data/generate.js';
import { sendNotification, type NotificationFields } from './data/notification-sender.js';
import type { UserProfile } from './data/profile.js';
import { DATA_PATHS, DATA_ROUTES } from './data/routes.js';
import { SimDataStore, type AddedMeasureGroup } from './data/store.js';
import { AppRateWindow, CallCounter, DataFaults, WindowFaults, type DataFault } from './data/traffic.js';

export interface WithingsSimulatorOptions {
  clientId?: string;
  clientSecret?: string;
  now?: () => number;
  /** The 2021 migration notice shows `userid` as a string in token responses; WOAS types it as an integer. */
  useridAsString?: boolean;
  /** Seeds every user's generated history; the same seed and userid always yield the same data. */
  dataSeed?: string;
  /** Requests per minute the client application may make before status 601 (research A2: 120). */
  appRequestsPerMinute?: number;
  /** How long an injected `hang` holds a data request before answering (past any sane client timeout). */
  hangMs?: number;
  /** Fixed loopback ports for the local sandbox; tests leave them out and get free ones. */
  ports?: { api?: number; account?: number };
}

const FIRST_USERID = 36_300;

/**
 * Withings as a linked app sees it: the consent page on the account host, and the API host where every call is
 * a form POST dispatched on `action` and answered with HTTP 200 and `{status, body}` (research A1–A3, E).
 */
export class WithingsSimulator {
  readonly baseUrl: string;
  readonly authorizeUrl: string;
  private readonly state: WithingsState;
  private readonly notify = new NotifyStore();
  private readonly faults = new FaultQueue();
  private readonly decisions: ConsentDecision[] = [];
  private readonly oauth: OAuthContext;
  private tokenCallCount = 0;
  private readonly data: SimDataStore;
  private readonly dataFaults = new DataFaults();
  private readonly windowFaults = new WindowFaults();
  private readonly calls = new CallCounter();
  private readonly rate: AppRateWindow;
  private readonly hangs = new Set<() => void>();
  private readonly hangMs: number;

  private constructor(
    private readonly clock: SimClock,
    options: Required<Omit<WithingsSimulatorOptions, 'now' | 'ports'>>,
    private readonly api: { server: Server; baseUrl: string },
    private readonly account: { server: Server; baseUrl: string },
  ) {
    this.baseUrl = api.baseUrl;
    this.authorizeUrl = `${account.baseUrl}${AUTHORIZE_PATH}`;
    this.state = new WithingsState(clock, new DeterministicIds(nextSeed('withings')), options.useridAsString);
    this.data = new SimDataStore(options.dataSeed, () => clock.now());
    this.rate = new AppRateWindow(options.appRequestsPerMinute);
    this.hangMs = options.hangMs;
    this.oauth = {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      state: this.state,
      takeDecision: () => this.decisions.shift(),
    };
  }

  static async start(options: WithingsSimulatorOptions = {}): Promise<WithingsSimulator> {
    // The listeners need the instance and the instance needs their URLs; requests before it exists get 503.
    const ref: { sim?: WithingsSimulator } = {};
    const unready = (_req: IncomingMessage, res: ServerResponse): void => {
      sendJson(res, 503, { error: 'simulator starting' });
    };
    // Two listeners because the real consent page and API live on different hosts; a client that mixes them
    // up fails here as it would in production.
    const api = await listen(async (req, res) => {
      await (ref.sim ? ref.sim.handleApi(req, res) : Promise.resolve(unready(req, res)));
    }, options.ports?.api);
    const account = await listen((req, res) => {
      if (ref.sim) {
        handleAuthorize(req, res, ref.sim.oauth);
      } else {
        unready(req, res);
      }
      return Promise.resolve();
    }, options.ports?.account);
    const sim = new WithingsSimulator(
      new SimClock(options.now),
      {
        clientId: options.clientId ?? 'withings-client-id',
        clientSecret: options.clientSecret ?? 'withings-client-secret',
        useridAsString: options.useridAsString ?? false,
        dataSeed: options.dataSeed ?? 'withings-data',
        appRequestsPerMinute: options.appRequestsPerMinute ?? 120,
        hangMs: options.hangMs ?? 30_000,
      },
      api,
      account,
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

  addUser(user: { userid?: number } = {}): { userid: number } {
    const userid = user.userid ?? FIRST_USERID + this.state.users.size + 1;
    if (this.state.users.has(userid)) {
      throw new Error(`Withings sandbox user ${userid} already exists`);
    }
    this.state.users.add(userid);
    return { userid };
  }

  approveNext(userid: number): void {
    if (!this.state.users.has(userid)) {
      throw new Error(`unknown Withings sandbox user ${userid}; call addUser() first`);
    }
    this.decisions.push({ kind: 'approve', user: String(userid) });
  }

  denyNext(): void {
    this.decisions.push({ kind: 'deny' });
  }

  /** The user unlinks the app in the Withings app: every token they hold stops working at once. */
  revokeAccess(userid: number): void {
    this.state.revoke(userid);
    this.notify.clear(userid);
  }

  /**
   * Withings drops a user's subscriptions after its deliveries keep failing (research A3: 20 days, or 4 failures
   * on the older page) without telling the app; `appli` narrows it to one category.
   */
  cancelSubscriptions(userid: number, appli?: number): void {
    this.notify.cancel(userid, appli);
  }

  subscriptions(userid: number): Subscription[] {
    return this.notify.list(userid);
  }

  failNext(status: number, times = 1): void {
    this.faults.arm(status, times);
  }

  /** Arms a fault for the next `times` data calls (not token or notify calls). */
  failNextData(fault: DataFault, times = 1): void {
    this.dataFaults.arm(fault, times);
  }

  /** Arms a fault for the next `times` data calls whose startdate is at or after `from` (one chunk of a sync). */
  failDataFrom(from: Date, fault: DataFault, times = 1): void {
    this.windowFaults.arm(Math.floor(from.getTime() / 1000), fault, times);
  }

  /** The startdate (epoch s) of each data call to `<path> <action>` received, in arrival order. */
  dataStarts(key: string): number[] {
    return this.calls.starts(key);
  }

  /** Data requests received for `<path> <action>` (e.g. `/measure getmeas`), or all of them. */
  dataCalls(key?: string): number {
    return this.calls.count(key);
  }

  resetDataCalls(): void {
    this.calls.reset();
  }

  /** The generated traits of a user (timezone, devices with their deviceids, baselines). */
  userData(userid: number): UserProfile {
    return this.data.profile(userid);
  }

  /** Adds one getmeas group at an exact time (on top of the generated history); returns it as served. */
  addMeasureGroup(userid: number, spec: AddedMeasureGroup): MeasureGroup {
    return this.data.addGroup(userid, spec);
  }

  sendNotification(callbackUrl: string, fields: NotificationFields): Promise<number> {
    return sendNotification(callbackUrl, fields);
  }

  subscribedUsers(): number[] {
    return this.notify.users();
  }

  /** Notifies every callback the user subscribed for `appli`, as Withings would after new data. */
  async notifySubscribers(
    userid: number,
    appli: number,
    fields: Omit<NotificationFields, 'userid' | 'appli'>,
  ): Promise<Array<{ callbackurl: string; status: number }>> {
    const targets = this.notify.list(userid).filter((s) => s.appli === appli);
    const out: Array<{ callbackurl: string; status: number }> = [];
    for (const { callbackurl } of targets) {
      out.push({ callbackurl, status: await sendNotification(callbackurl, { userid, appli, ...fields }) });
    }
    return out;
  }

  advance(ms: number): void {
    this.clock.advance(ms);
  }

  async stop(): Promise<void> {
    for (const release of this.hangs) {
      release();
    }
    await Promise.all([close(this.api.server), close(this.account.server)]);
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = requestUrl(req).pathname;
    if (path !== '/v2/oauth2' && path !== '/notify' && !DATA_PATHS.has(path)) {
      sendJson(res, 404, { error: 'Not found' });
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'Method not allowed' });
      return;
    }
    const form = await readForm(req);
    // The per-application budget covers every call on the host, token and notify calls included.
    if (!this.rate.admit(this.clock.now())) {
      sendJson(res, 200, injectedFailure(STATUS.tooManyRequests));
      return;
    }
    if (DATA_PATHS.has(path)) {
      await this.handleData(req, res, path, form);
      return;
    }
    sendJson(res, 200, await this.dispatch(req, path, form));
  }

  private async handleData(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    form: URLSearchParams,
  ): Promise<void> {
    const action = form.get('action') ?? '';
    this.calls.add(path, action, form.get('startdate'));
    const legacy = this.faults.take();
    const fault: DataFault | undefined =
      legacy === undefined
        ? (this.windowFaults.take(form.get('startdate')) ?? this.dataFaults.take())
        : { kind: 'status', status: legacy };
    if (fault?.kind === 'http') {
      sendJson(res, fault.status, { error: 'Service Unavailable' });
      return;
    }
    if (fault?.kind === 'hang') {
      await this.hang();
      if (!res.destroyed) {
        sendJson(res, 200, injectedFailure(STATUS.timeout));
      }
      return;
    }
    if (fault?.kind === 'status') {
      sendJson(res, 200, injectedFailure(fault.status));
      return;
    }
    const auth = this.state.authenticate(bearerToken(req));
    const handler = DATA_ROUTES.get(`${path} ${action}`);
    const reply = !auth
      ? invalidToken()
      : handler
        ? handler(this.data, auth.userid, form)
        : fail(STATUS.notImplemented, 'Not implemented');
    sendJson(res, 200, reply);
  }

  private hang(): Promise<void> {
    return new Promise((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.hangs.delete(release);
        resolve();
      };
      const timer = setTimeout(release, this.hangMs);
      timer.unref();
      this.hangs.add(release);
    });
  }

  private async dispatch(req: IncomingMessage, path: string, form: URLSearchParams): Promise<WithingsReply> {
    const action = form.get('action');
    if (path === '/v2/oauth2' && action === 'requesttoken') {
      this.tokenCallCount += 1;
    }
    // Rate limits and outages hit every call on the host, token calls included.
    const injected = this.faults.take();
    if (injected !== undefined) {
      return injectedFailure(injected);
    }
    if (path === '/v2/oauth2') {
      return action === 'requesttoken'
        ? requestToken(form, this.oauth)
        : fail(STATUS.notImplemented, 'Not implemented');
    }
    const auth = this.state.authenticate(bearerToken(req));
    if (!auth) {
      return invalidToken();
    }
    return path === '/notify'
      ? this.notify.handle(auth.userid, form)
      : fail(STATUS.notImplemented, 'Not implemented');
  }
}
