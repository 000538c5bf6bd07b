// Shared shapes of the rule modules: the vendor request they read (built by server.ts), the read-only
// state they consult, and the verdict they return (answer, outcome, record fields, and the state effects
// the engine applies when the request is accepted). Rule modules stay pure: request + state in, verdict out.
import type { EmulatorConfig } from './config';
import type { AdjustDevice, AppsflyerInstall } from './installs';
import type { Outcome, RecordedRequest } from './record';

export interface VendorRequest {
  method: string;
  /** Path without the query string, e.g. /adjust/event. */
  path: string;
  /** Query parameters (first value of each name). */
  query: Record<string, string>;
  /** The raw query, for rules that need repeated names or exact bytes. */
  search: URLSearchParams;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  /** Bytes of the request target (path + query) as sent. */
  urlBytes: number;
  receivedAtMs: number;
}

export type Effect =
  | { kind: 'registerAdjustDevice'; appToken: string; ids: Record<string, string>; installedAtMs: number; source: 'lenient' | 'session' }
  | { kind: 'registerAppsflyerId'; appId: string; appsflyerId: string; installedAtMs: number; processedAtMs: number }
  | { kind: 'adjustEventTracked'; scope: string; eventToken: string; createdAtMs: number; revenue: boolean; unique: boolean }
  | { kind: 'adjustSessionTracked'; scope: string; atMs: number };

/** Per-device, per-environment state the Adjust rules read (see device-state.ts). */
export interface DeviceStateView {
  lastEventMs(scope: string, eventToken: string): number | undefined;
  lastRevenueMs(scope: string): number | undefined;
  uniqueTracked(scope: string, eventToken: string): boolean;
  lastSessionMs(scope: string): number | undefined;
}

export interface InstallView {
  findAdjustDevice(appToken: string, ids: ReadonlyArray<readonly [string, string]>): { device: AdjustDevice; matchedBy: string } | undefined;
  findAppsflyer(appId: string, appsflyerId: string): AppsflyerInstall | undefined;
}

export interface RuleContext {
  config: EmulatorConfig;
  installs: InstallView;
  devices: DeviceStateView;
}

export type RecordFields = Partial<
  Pick<RecordedRequest, 'params' | 'json' | 'appKey' | 'deviceKey' | 'eventKey' | 'eventTimeMs' | 'recordedTimestamp' | 'revenue' | 'currency' | 'deliveryId'>
>;

export interface Verdict {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
  outcome: Outcome;
  reason?: string;
  warnings: string[];
  effects: Effect[];
  fields: RecordFields;
}

/** Mutable collector the rule modules fill while they walk a request. */
export class VerdictBuilder {
  warnings: string[] = [];
  fields: RecordFields = {};
  effects: Effect[] = [];

  warn(message: string): void {
    this.warnings.push(message);
  }

  finish(v: Pick<Verdict, 'status' | 'contentType' | 'body' | 'outcome'> & { reason?: string; headers?: Record<string, string> }): Verdict {
    return { ...v, warnings: this.warnings, effects: v.status === 200 ? this.effects : [], fields: this.fields };
  }
}
