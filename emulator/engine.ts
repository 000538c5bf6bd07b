// The emulator's state and its in-process API, without sockets: configuration, install registry, device
// state, request log, stats and faults. Routes a vendor request through fault injection and the pure
// rule modules, applies the accepted request's effects, records it, and tells server.ts how to answer.
import { adjustErrorBody, describeAdjust } from './adjust-common';
import type { AdjustEndpoint } from './adjust-common';
import { handleAdjustAdRevenue } from './adjust-ad-revenue';
import { handleAdjustEvent } from './adjust-event';
import { mergeAdjustParams } from './adjust-params';
import { handleAdjustSession } from './adjust-session';
import { describeAppsflyer, handleAppsflyerEvent } from './appsflyer';
import type { EmulatorConfig } from './config';
import { parseConfig, patchConfig, formatIssues } from './config';
import { DeviceState } from './device-state';
import type { FaultDecision, FaultsInput, FaultsState } from './faults';
import { FaultInjector, FaultsInputSchema } from './faults';
import type { InstallInput, RegisteredInstall } from './installs';
import { InstallInputSchema, InstallRegistry } from './installs';
import type { Endpoint, FaultKind, RecordedRequest, RequestFilter, Vendor } from './record';
import { RequestFilterSchema, RequestLog } from './record';
import type { EmulatorStats } from './stats';
import { StatsCounter } from './stats';
import type { Effect, RecordFields, RuleContext, Verdict, VendorRequest } from './verdict';

export type Route = { vendor: 'adjust'; endpoint: AdjustEndpoint } | { vendor: 'appsflyer'; endpoint: 'inappevent'; appId: string };

export interface EngineAction {
  record: RecordedRequest;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Wait this long before answering (slow fault). */
  delayMs: number;
  /** answer; hang: never answer; destroy: close the socket without an answer (reset, acceptThenReset). */
  socket: 'answer' | 'hang' | 'destroy';
}

/** Thrown by the in-process API for invalid input; `issues` name the fields (same as the HTTP 400 body). */
export class EmulatorInputError extends Error {
  constructor(
    message: string,
    readonly issues: Array<{ path: string; message: string }>,
  ) {
    super(`${message}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'EmulatorInputError';
  }
}

const FAULT_ANSWERS: Record<Vendor, Record<'error5xx' | 'rate429', (ep: Endpoint) => { body: string; contentType: string }>> = {
  adjust: {
    error5xx: (ep) => ({ body: adjustErrorBody(ep as AdjustEndpoint, 'Internal error, contact support@adjust.com'), contentType: 'application/json' }),
    rate429: (ep) => ({ body: adjustErrorBody(ep as AdjustEndpoint, 'Too many requests'), contentType: 'application/json' }),
  },
  appsflyer: {
    error5xx: () => ({ body: 'Internal Server Error', contentType: 'text/plain; charset=utf-8' }),
    rate429: () => ({ body: 'Too Many Requests', contentType: 'text/plain; charset=utf-8' }),
  },
};

export class EmulatorEngine {
  private cfg: EmulatorConfig;
  readonly log: RequestLog;
  private readonly counters = new StatsCounter();
  private readonly installs = new InstallRegistry();
  private readonly devices = new DeviceState();
  private readonly faultInjector = new FaultInjector();

  constructor(
    private readonly startupConfig: EmulatorConfig,
    readonly now: () => number,
  ) {
    this.cfg = startupConfig;
    this.log = new RequestLog(startupConfig.maxRecordedRequests);
    this.seedInstalls(startupConfig);
  }

  handle(req: VendorRequest, route: Route): EngineAction {
    const decision = this.faultInjector.decide(route.vendor);
    if (decision.kind !== 'none' && decision.kind !== 'slow' && decision.kind !== 'acceptThenReset') {
      return this.injectWithoutProcessing(req, route, decision.kind);
    }
    const verdict = this.rule(req, route);
    for (const e of verdict.effects) this.apply(e);
    const warnings = [...verdict.warnings];
    let fault: FaultKind | undefined;
    if (decision.kind === 'slow') {
      fault = 'slow';
      this.counters.fault(route.vendor, 'slow');
    } else if (decision.kind === 'acceptThenReset') {
      fault = 'reset';
      warnings.push('acceptThenReset fault: processed and recorded, then the socket was destroyed without an answer');
      this.counters.fault(route.vendor, 'acceptThenReset');
    }
    // Requests rejected before their fields were parsed still name their delivery id, app and event.
    const record = this.record(
      req,
      route,
      { ...this.describe(req, route), ...verdict.fields },
      {
        status: verdict.status,
        responseBody: verdict.body,
        outcome: verdict.outcome,
        warnings,
        ...(verdict.reason !== undefined ? { reason: verdict.reason } : {}),
        ...(fault ? { fault } : {}),
      },
    );
    return {
      record,
      status: verdict.status,
      headers: { 'content-type': verdict.contentType, ...verdict.headers },
      body: verdict.body,
      delayMs: decision.kind === 'slow' ? decision.ms : 0,
      socket: decision.kind === 'acceptThenReset' ? 'destroy' : 'answer',
    };
  }

  private rule(req: VendorRequest, route: Route): Verdict {
    const ctx: RuleContext = { config: this.cfg, installs: this.installs, devices: this.devices };
    if (route.vendor === 'appsflyer') return handleAppsflyerEvent(req, route.appId, ctx);
    if (route.endpoint === 'event') return handleAdjustEvent(req, ctx);
    if (route.endpoint === 'ad_revenue') return handleAdjustAdRevenue(req, ctx);
    return handleAdjustSession(req, ctx);
  }

  private injectWithoutProcessing(req: VendorRequest, route: Route, kind: Exclude<FaultDecision['kind'], 'none' | 'slow' | 'acceptThenReset'>): EngineAction {
    this.counters.fault(route.vendor, kind);
    const fields = this.describe(req, route);
    const answered = kind === 'error5xx' || kind === 'rate429';
    const answer = answered ? FAULT_ANSWERS[route.vendor][kind](route.endpoint) : { body: '', contentType: '' };
    const status = kind === 'error5xx' ? 500 : kind === 'rate429' ? 429 : 0;
    const reason = answered ? `injected ${kind} fault` : kind === 'hang' ? 'injected hang fault: never answered' : 'injected reset fault: socket destroyed';
    const record = this.record(req, route, fields, { status, responseBody: answer.body, outcome: 'fault', fault: kind, reason, warnings: [] });
    const headers: Record<string, string> = answered ? { 'content-type': answer.contentType } : {};
    if (kind === 'rate429') headers['retry-after'] = '1';
    return { record, status, headers, body: answer.body, delayMs: 0, socket: answered ? 'answer' : kind === 'hang' ? 'hang' : 'destroy' };
  }

  /** What a request says about itself, read without validating it. */
  private describe(req: VendorRequest, route: Route): RecordFields {
    if (route.vendor === 'appsflyer') return { appKey: route.appId, ...describeAppsflyer(req.body) };
    const params = mergeAdjustParams(req).params;
    return { params, ...describeAdjust(params) };
  }

  private record(
    req: VendorRequest,
    route: Route,
    fields: RecordFields,
    result: Pick<RecordedRequest, 'status' | 'responseBody' | 'outcome' | 'warnings'> & Partial<Pick<RecordedRequest, 'reason' | 'fault'>>,
  ): RecordedRequest {
    const rec = this.log.add({
      receivedAt: new Date(req.receivedAtMs).toISOString(),
      receivedAtMs: req.receivedAtMs,
      vendor: route.vendor,
      endpoint: route.endpoint,
      method: req.method,
      path: req.path,
      query: req.query,
      headers: req.headers,
      body: req.body,
      ...fields,
      ...result,
    });
    this.counters.count(rec);
    return rec;
  }

  private apply(e: Effect): void {
    if (e.kind === 'registerAdjustDevice') this.installs.registerAdjust(e.appToken, e.ids, e.installedAtMs, e.source);
    else if (e.kind === 'registerAppsflyerId') this.installs.registerAppsflyer(e.appId, e.appsflyerId, e.installedAtMs, e.processedAtMs, 'lenient');
    else this.devices.apply(e);
  }

  private seedInstalls(cfg: EmulatorConfig): void {
    for (const input of cfg.installs) this.installs.register(input, this.now(), cfg.processingDelayMs, 'config');
  }

  // ---- in-process API (the HTTP control API in control.ts calls the same methods) ----

  requests(filter: RequestFilter = {}): RecordedRequest[] {
    const f = RequestFilterSchema.safeParse(filter);
    if (!f.success) throw new EmulatorInputError('invalid request filter', formatIssues(f.error));
    return this.log.list(f.data);
  }

  stats(): EmulatorStats {
    return this.counters.snapshot();
  }

  /** Clears records, stats, device/ordering state, installs (config installs are re-seeded) and faults. */
  reset(options: { config?: boolean } = {}): void {
    if (options.config) this.applyConfig(this.startupConfig);
    this.log.clear();
    this.counters.clear();
    this.devices.clear();
    this.installs.clear();
    this.faultInjector.clear();
    this.seedInstalls(this.cfg);
  }

  getConfig(): EmulatorConfig {
    return structuredClone(this.cfg);
  }

  /** PUT: replaces the configuration (missing fields take schema defaults, not the demo's). */
  setConfig(input: unknown): EmulatorConfig {
    const r = parseConfig(input);
    if (!r.ok) throw new EmulatorInputError('invalid config', r.issues);
    this.applyConfig(r.value);
    return this.getConfig();
  }

  /** PATCH: JSON merge patch onto the current configuration (see config-merge.ts). */
  updateConfig(patch: unknown): EmulatorConfig {
    const r = patchConfig(this.cfg, patch);
    if (!r.ok) throw new EmulatorInputError('invalid config', r.issues);
    this.applyConfig(r.value);
    return this.getConfig();
  }

  private applyConfig(cfg: EmulatorConfig): void {
    this.cfg = cfg;
    this.log.setCap(cfg.maxRecordedRequests);
    this.seedInstalls(cfg);
  }

  setFaults(input: FaultsInput): FaultsState {
    const r = FaultsInputSchema.safeParse(input);
    if (!r.success) throw new EmulatorInputError('invalid faults', formatIssues(r.error));
    return this.faultInjector.set(r.data);
  }

  getFaults(): FaultsState & { injected: EmulatorStats['faults'] } {
    return { ...this.faultInjector.snapshot(), injected: this.counters.snapshot().faults };
  }

  registerInstall(input: InstallInput): RegisteredInstall {
    const r = InstallInputSchema.safeParse(input);
    if (!r.success) throw new EmulatorInputError('invalid install', formatIssues(r.error));
    return this.installs.register(r.data, this.now(), this.cfg.processingDelayMs, 'control');
  }
}
