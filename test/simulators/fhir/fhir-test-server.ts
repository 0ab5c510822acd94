import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSearchRequest } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import { processBundle } from './bundles.js';
import { FaultPlan, faultResult, refusalResult, type FhirFault } from './faults.js';
import { closeServer, flattenHeaders, listenOnLoopback, readBody, send } from './http-io.js';
import { handleInteraction } from './interactions.js';
import { failureResult, FhirError, isObject, type FhirJson, type FhirResult } from './outcomes.js';
import { loadR5Definitions } from './r5-definitions.js';
import { R5MemoryRepository } from './r5-repository.js';
import { RequestLock, type FhirConcurrency } from './request-lock.js';
import { checkBearer, checkR5Schema, parseBody, warmUpSchema, type BearerRule } from './request-gate.js';
import { asJson, requireResourceType, type FhirContext } from './resource-ops.js';
import { checkSearchQuery, normalizeQuery, toQueryRecord } from './search-params.js';
import {
  smartConfigurationDocument,
  smartRegistry,
  type SmartConfigurationOptions,
} from './smart-configuration.js';

export type { FhirFault } from './faults.js';
export type { FhirConcurrency } from './request-lock.js';
export type { SmartConfigurationOptions } from './smart-configuration.js';

export interface FhirTestServerOptions {
  /** Default true: creates and updates (bundle entries included) must pass the R5 JSON schema, else 400. */
  validate?: boolean;
  /**
   * When set, every request but `/metadata` and `/.well-known/smart-configuration` needs `Authorization: Bearer`
   * with an accepted token, else 401. An array is read at each request, so `SmartAuthServer.issuedTokens` can be
   * passed as is; `(t) => auth.isTokenActive(t)` also honours expiry.
   */
  requireBearer?: BearerRule;
  /** What `GET /fhir/.well-known/smart-configuration` announces; see also SmartAuthServer's `fhirBaseUrl`. */
  smartConfiguration?: SmartConfigurationOptions;
  /** Default 0 (an ephemeral port); a fixed port is for the local sandbox. Always bound to 127.0.0.1. */
  port?: number;
  /** Default true: keeps every request for `requests`. The long-running sandbox turns it off to bound memory. */
  recordRequests?: boolean;
  /**
   * Default 'serial': one request at a time, so concurrent conditional creates of one identifier make one
   * resource. 'concurrent' behaves like HAPI, Azure or Medplum on Postgres: a conditional create or update
   * searches, lets other requests run, then writes, so two of them racing on one identifier can both create.
   * Transactions stay all-or-nothing; their conditional entries race the same way.
   */
  concurrency?: FhirConcurrency;
  /** Concurrent mode: how long a conditional operation pauses between its search and its write. Default 5 ms. */
  conditionalGapMs?: number;
}

export interface RecordedRequest {
  readonly method: string;
  /** As received, with the /fhir prefix and the raw query string: `/fhir/Observation?identifier=…`. */
  readonly path: string;
  /** Lower-case names. */
  readonly headers: Record<string, string>;
  /** Parsed JSON; the raw text for form bodies; undefined when empty. */
  readonly body: unknown;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * An in-memory FHIR R5 server on 127.0.0.1 for tests and the local sandbox: Medplum's FhirRouter and
 * MemoryRepository on the official R5 definitions, with what they lack added here (see README.md): all-or-nothing
 * transactions, batch, exact token search, strict conditional operations, R5 schema validation, a serial or a
 * concurrent (racy) request mode, fault injection and bearer-token checks.
 */
export class FhirTestServer {
  readonly baseUrl: string;
  private readonly repo: R5MemoryRepository;
  private readonly ctx: FhirContext;
  private readonly faults = new FaultPlan();
  private readonly refused = new Set<string>();
  private readonly log: RecordedRequest[] = [];
  private readonly held = new Set<ServerResponse>();
  private readonly stopping = new AbortController();
  private readonly lock: RequestLock;
  private smart: SmartConfigurationOptions | undefined;

  private constructor(
    private readonly server: Server,
    origin: string,
    private readonly options: FhirTestServerOptions,
  ) {
    this.baseUrl = `${origin}/fhir`;
    this.smart = options.smartConfiguration;
    this.lock = new RequestLock(options.concurrency ?? 'serial', options.conditionalGapMs ?? 5);
    const validate = options.validate ?? true;
    const checkResource = (json: FhirJson): void => {
      if (validate) {
        checkR5Schema(json);
      }
    };
    this.repo = new R5MemoryRepository((resource) => checkResource(asJson(resource)));
    this.ctx = {
      repo: this.repo,
      checkResource,
      router: new FhirRouter(),
      baseUrl: this.baseUrl,
      smartConfiguration: () => {
        const smart = this.smart ?? smartRegistry.lookup(this.baseUrl);
        return smart === undefined ? undefined : smartConfigurationDocument(smart);
      },
      conditionalGap: () => this.lock.gap(),
    };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => {
        const { status, body } = failureResult(err);
        send(res, status, body);
      });
    });
  }

  static async start(options: FhirTestServerOptions = {}): Promise<FhirTestServer> {
    loadR5Definitions();
    if (options.validate ?? true) {
      warmUpSchema();
    }
    const server = createServer();
    return new FhirTestServer(server, await listenOnLoopback(server, options.port), options);
  }

  get requests(): ReadonlyArray<RecordedRequest> {
    return this.log;
  }

  /** Sets or clears what `.well-known/smart-configuration` announces (for when the auth server starts later). */
  setSmartConfiguration(smart: SmartConfigurationOptions | undefined): void {
    this.smart = smart;
  }

  injectFault(fault: FhirFault): void {
    this.faults.add(fault);
  }

  /** Drops the faults not yet spent, keeping the resources. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Until reset(), refuses (422) every request carrying a resource with this identifier value. */
  refuseIdentifier(value: string): void {
    this.refused.add(value);
  }

  /** Drops all resources, faults, refusals and recorded requests, and ends requests held by `hang` faults. */
  reset(): void {
    this.repo.clear();
    this.faults.clear();
    this.refused.clear();
    this.log.length = 0;
    this.releaseHeld();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.releaseHeld();
    await closeServer(this.server);
  }

  /** Repository search for assertions: same parameters and token rules as HTTP search, every page. */
  async search(resourceType: string, query: Record<string, string>): Promise<Array<Record<string, unknown>>> {
    return this.serialized(async () => {
      requireResourceType(resourceType);
      const entries = Object.entries(query);
      checkSearchQuery(resourceType, entries, false);
      const request = parseSearchRequest(
        resourceType,
        toQueryRecord(normalizeQuery(resourceType, entries, this.baseUrl)),
      );
      request.count = undefined;
      request.offset = undefined;
      return (await this.repo.searchResources(request)).map(asJson);
    });
  }

  /** How many stored resources carry exactly this identifier; compares strings directly, not through search. */
  async countByIdentifier(resourceType: string, system: string, value: string): Promise<number> {
    return this.serialized(async () => {
      const all = await this.repo.searchResources({ resourceType: resourceType as Resource['resourceType'] });
      return all.filter((resource) => {
        const identifiers: unknown = asJson(resource)['identifier'];
        return (
          Array.isArray(identifiers) &&
          identifiers.some((i) => isObject(i) && i['system'] === system && i['value'] === value)
        );
      }).length;
    });
  }

  /** In arrival order, holding the lock (let go only at conditional gaps in concurrent mode; see RequestLock). */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run(work);
  }

  private releaseHeld(): void {
    for (const res of this.held) {
      res.socket?.destroy();
    }
    this.held.clear();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flattenHeaders(req.headers);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch {
      const tooLarge = failureResult(FhirError.of(413, 'too-costly', `Body over ${MAX_BODY_BYTES} bytes`));
      send(res, tooLarge.status, tooLarge.body);
      return;
    }
    const parsed = parseBody(raw, headers['content-type']);
    const body = parsed instanceof FhirError ? raw.toString('utf8') : parsed;
    if (this.options.recordRequests ?? true) {
      this.log.push({ method, path: req.url ?? '/', headers, body });
    }

    const fault = this.faults.take();
    if (fault !== undefined && !(await this.applyFault(fault, res))) {
      return;
    }
    const refusal = refusalResult(this.refused, parsed);
    if (refusal !== undefined) {
      send(res, refusal.status, refusal.body, refusal.headers);
      return;
    }
    if (parsed instanceof FhirError) {
      const rejected = failureResult(parsed);
      send(res, rejected.status, rejected.body);
      return;
    }
    const result = await this.answer(method, url, headers, body);
    send(res, result.status, method === 'HEAD' ? undefined : result.body, result.headers);
  }

  /** Returns true when the request should go on to be processed normally. */
  private async applyFault(fault: FhirFault, res: ServerResponse): Promise<boolean> {
    if (fault.hang === true) {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return false;
    }
    if (fault.delayMs !== undefined) {
      try {
        await sleep(fault.delayMs, undefined, { signal: this.stopping.signal });
      } catch {
        res.socket?.destroy();
        return false;
      }
    }
    const canned = faultResult(fault);
    if (canned !== undefined) {
      send(res, canned.status, canned.body, canned.headers);
      return false;
    }
    return true;
  }

  private async answer(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: unknown,
  ): Promise<FhirResult> {
    if (url.pathname !== '/fhir' && !url.pathname.startsWith('/fhir/')) {
      return failureResult(
        FhirError.of(404, 'not-found', `Nothing at ${url.pathname}; the FHIR base is /fhir`),
      );
    }
    const path = url.pathname.slice('/fhir'.length).replace(/\/+$/, '');
    const denied = checkBearer(this.options.requireBearer, path, headers['authorization']);
    if (denied !== undefined) {
      return denied;
    }
    return this.serialized(async () => {
      if (path === '' && method === 'POST') {
        try {
          return await processBundle(this.ctx, body, headers['prefer']);
        } catch (err) {
          return failureResult(err);
        }
      }
      return handleInteraction(this.ctx, {
        method: method === 'HEAD' ? 'GET' : method,
        path,
        query: [...url.searchParams],
        headers,
        body,
      });
    });
  }
}
