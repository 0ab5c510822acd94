import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { omhProblem, SUPPORTED_OMH_CODES } from './omh-checks.js';

const OMH_SYSTEM = 'https://w3id.org/openmhealth';
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface StoredObservation {
  readonly id: string;
  readonly patientId: string;
  readonly dataSourceId: string;
  readonly code: string;
  readonly identifiers: ReadonlyArray<{ system: string; value: string }>;
  readonly dataPoint: unknown;
}

type EntryResult = { ok: true; status: 201; id: string } | { ok: false; status: number; message: string };

class EntryError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const PHRASES: Readonly<Record<number, string>> = {
  201: 'Created',
  400: 'Bad Request',
  403: 'Forbidden',
  409: 'Conflict',
  422: 'Unprocessable Entity',
};

/**
 * A JupyterHealth Exchange as seen by a data-submitting client: OAuth2 client credentials at /o/token/ and the
 * FHIR R5 API at /FHIR/R5/, with JHE's own rules — Observations only, exactly one Open mHealth coding, the
 * payload as base64 JSON in valueAttachment, subject and device (data source) must exist, the patient must have
 * consented to the code, identifiers are unique (a duplicate answers 409), and a batch always answers 200 with
 * per-entry statuses.
 */
export class JheSimulator {
  private server: Server | undefined;
  private readonly tokens = new Set<string>();
  private readonly patients = new Map<string, Set<string>>();
  private readonly dataSources = new Set<string>();
  private readonly stored: StoredObservation[] = [];
  private faults: { status: number; times: number } | undefined;
  private nextId = 1;
  baseUrl = '';

  private constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {}

  static async start(options: { clientId?: string; clientSecret?: string } = {}): Promise<JheSimulator> {
    const sim = new JheSimulator(options.clientId ?? 'ohe-client', options.clientSecret ?? 'ohe-secret');
    sim.server = createServer((req, res) => {
      void sim.handle(req, res);
    });
    await new Promise<void>((resolve) => sim.server?.listen(0, '127.0.0.1', resolve));
    sim.baseUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
    return sim;
  }

  get tokenUrl(): string {
    return `${this.baseUrl}/o/token/`;
  }

  /** Registers a patient who consented to the given Open mHealth codes (default: every supported one). */
  addPatient(consentedCodes: readonly string[] = SUPPORTED_OMH_CODES): string {
    const id = String(10_000 + this.patients.size + 1);
    this.patients.set(id, new Set(consentedCodes));
    return id;
  }

  /**
   * The patient consents to more scopes (Open mHealth codes), as through JHE's consent API; entries of these codes
   * are stored from now on, where they were answered 403 before.
   */
  grantConsent(patientId: string, codes: readonly string[]): void {
    const consents = this.patients.get(patientId);
    if (consents === undefined) {
      throw new Error(`no patient ${patientId}`);
    }
    codes.forEach((c) => consents.add(c));
  }

  /** The patient withdraws consent for these scopes: their entries are answered 403 again. */
  revokeConsent(patientId: string, codes: readonly string[]): void {
    codes.forEach((c) => this.patients.get(patientId)?.delete(c));
  }

  addDataSource(): string {
    const id = String(70_000 + this.dataSources.size + 1);
    this.dataSources.add(id);
    return id;
  }

  observations(): readonly StoredObservation[] {
    return this.stored;
  }

  countByIdentifier(system: string, value: string): number {
    return this.stored.filter((o) => o.identifiers.some((i) => i.system === system && i.value === value))
      .length;
  }

  failNext(status: number, times = 1): void {
    this.faults = { status, times };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'POST' && path === '/o/token/') {
      this.token(req, raw, res);
      return;
    }
    if (!this.tokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
      send(res, 401, { detail: 'Authentication credentials were not provided.' });
      return;
    }
    if (this.faults !== undefined && this.faults.times > 0) {
      this.faults.times--;
      send(res, this.faults.status, outcome(`simulated ${this.faults.status}`));
      return;
    }
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      send(res, 400, outcome('JSON parse error'));
      return;
    }
    if (req.method === 'POST' && (path === '/FHIR/R5/' || path === '/FHIR/R5')) {
      this.batch(body, res);
    } else if (req.method === 'POST' && path === '/FHIR/R5/Observation') {
      const entry = this.createEntry(body);
      send(
        res,
        entry.status,
        entry.ok ? { resourceType: 'Observation', id: entry.id } : outcome(entry.message),
      );
    } else {
      send(res, 404, outcome(`no route ${req.method ?? ''} ${path ?? ''}`));
    }
  }

  private token(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const form = new URLSearchParams(raw);
    const basic = req.headers.authorization?.startsWith('Basic ')
      ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8').split(':')
      : [form.get('client_id') ?? '', form.get('client_secret') ?? ''];
    if (form.get('grant_type') !== 'client_credentials') {
      send(res, 400, { error: 'unsupported_grant_type' });
      return;
    }
    if (basic[0] !== this.clientId || basic[1] !== this.clientSecret) {
      send(res, 401, { error: 'invalid_client' });
      return;
    }
    const token = randomBytes(16).toString('hex');
    this.tokens.add(token);
    send(res, 200, { access_token: token, expires_in: 1_209_600, token_type: 'Bearer', scope: 'openid' });
  }

  private batch(body: unknown, res: ServerResponse): void {
    const entries = isObject(body) && Array.isArray(body['entry']) ? (body['entry'] as unknown[]) : undefined;
    if (
      !isObject(body) ||
      body['resourceType'] !== 'Bundle' ||
      body['type'] !== 'batch' ||
      entries === undefined
    ) {
      send(res, 400, outcome('A batch Bundle is required.'));
      return;
    }
    // JHE checks every entry's payload before creating anything.
    const missing = entries.some((e) => {
      const attachment =
        isObject(e) && isObject(e['resource']) ? e['resource']['valueAttachment'] : undefined;
      return !isObject(attachment) || typeof attachment['data'] !== 'string';
    });
    if (missing) {
      send(res, 400, ['resource.valueAttachment.data must be not null.']);
      return;
    }
    const responses = entries.map((e) => {
      const method = isObject(e) && isObject(e['request']) ? e['request']['method'] : undefined;
      const result: EntryResult =
        method === 'POST'
          ? this.createEntry(isObject(e) ? e['resource'] : undefined)
          : { ok: false, status: 400, message: 'Only POST/Create method supported.' };
      const status = `${result.status} ${PHRASES[result.status] ?? ''}`.trim();
      return result.ok
        ? { resource: { resourceType: 'Observation', id: result.id }, response: { status } }
        : { response: { status, outcome: outcome(result.message) } };
    });
    send(res, 200, { resourceType: 'Bundle', type: 'batch-response', entry: responses });
  }

  private createEntry(resource: unknown): EntryResult {
    try {
      return { ok: true, status: 201, id: this.create(resource) };
    } catch (err) {
      return err instanceof EntryError
        ? { ok: false, status: err.status, message: err.message }
        : { ok: false, status: 422, message: String(err) };
    }
  }

  private create(resource: unknown): string {
    if (!isObject(resource) || resource['resourceType'] !== 'Observation') {
      throw new EntryError(400, 'Only Observation resourceType supported.');
    }
    const ref = (field: string, prefix: string): string => {
      const r = resource[field];
      const reference = isObject(r) ? r['reference'] : undefined;
      if (typeof reference !== 'string' || !reference.startsWith(prefix)) {
        throw new EntryError(400, `${field} is required and must be a reference starting with '${prefix}'`);
      }
      return reference.slice(prefix.length);
    };
    const patientId = ref('subject', 'Patient/');
    const consents = this.patients.get(patientId);
    if (consents === undefined) {
      throw new EntryError(400, `Patient id=${patientId} can not be found.`);
    }
    const identifiers = Array.isArray(resource['identifier'])
      ? (resource['identifier'] as unknown[])
          .filter(isObject)
          .map((i) => ({ system: String(i['system']), value: String(i['value']) }))
      : [];
    for (const i of identifiers) {
      if (this.countByIdentifier(i.system, i.value) > 0) {
        throw new EntryError(409, `Identifier already exists: system=${i.system} value=${i.value}`);
      }
    }
    const dataSourceId = ref('device', 'Device/');
    if (!this.dataSources.has(dataSourceId)) {
      throw new EntryError(400, `Device Data Source id=${dataSourceId} can not be found.`);
    }
    const code = isObject(resource['code']) ? resource['code']['coding'] : undefined;
    const coding = Array.isArray(code) && code.length === 1 && isObject(code[0]) ? code[0] : undefined;
    if (coding === undefined) {
      throw new EntryError(400, 'Exactly one Code must be provided.');
    }
    const codeValue = String(coding['code']);
    if (coding['system'] !== OMH_SYSTEM || !SUPPORTED_OMH_CODES.includes(codeValue)) {
      throw new EntryError(400, `Code not found: system=${String(coding['system'])} code=${codeValue}`);
    }
    if (!consents.has(codeValue)) {
      throw new EntryError(403, `Observation data with coding_code=${codeValue} has not been consented.`);
    }
    const attachment = resource['valueAttachment'];
    let dataPoint: unknown;
    try {
      dataPoint = JSON.parse(
        Buffer.from(String(isObject(attachment) ? attachment['data'] : ''), 'base64').toString('ascii'),
      );
    } catch {
      throw new EntryError(400, 'valueAttachment.data must be Base 64 Encoded Binary JSON.');
    }
    const problem = omhProblem(codeValue, dataPoint);
    if (problem !== undefined) {
      throw new EntryError(422, problem);
    }
    const id = String(this.nextId++);
    this.stored.push({ id, patientId, dataSourceId, code: codeValue, identifiers, dataPoint });
    return id;
  }
}

function outcome(message: string): Json {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics: message }],
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
