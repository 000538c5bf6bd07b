// Running counters behind GET /__emulator/stats: requests by vendor x outcome, by status, and faults
// injected by vendor x kind. Kept apart from the request log so counts survive the log's size cap.
import type { Outcome, RecordedRequest, Vendor } from './record';

export const FAULT_STAT_KINDS = ['error5xx', 'rate429', 'slow', 'hang', 'reset', 'acceptThenReset'] as const;
export type FaultStatKind = (typeof FAULT_STAT_KINDS)[number];

export interface VendorStats {
  total: number;
  byOutcome: Partial<Record<Outcome, number>>;
  byStatus: Record<string, number>;
  byEndpoint: Record<string, number>;
}

export interface EmulatorStats {
  total: number;
  byStatus: Record<string, number>;
  vendors: Record<Vendor, VendorStats>;
  faults: Record<Vendor, Record<FaultStatKind, number>>;
}

function emptyVendor(): VendorStats {
  return { total: 0, byOutcome: {}, byStatus: {}, byEndpoint: {} };
}

function emptyFaults(): Record<FaultStatKind, number> {
  return Object.fromEntries(FAULT_STAT_KINDS.map((k) => [k, 0])) as Record<FaultStatKind, number>;
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class StatsCounter {
  private s: EmulatorStats = StatsCounter.empty();

  static empty(): EmulatorStats {
    return {
      total: 0,
      byStatus: {},
      vendors: { adjust: emptyVendor(), appsflyer: emptyVendor() },
      faults: { adjust: emptyFaults(), appsflyer: emptyFaults() },
    };
  }

  count(rec: RecordedRequest): void {
    const v = this.s.vendors[rec.vendor];
    this.s.total++;
    v.total++;
    v.byOutcome[rec.outcome] = (v.byOutcome[rec.outcome] ?? 0) + 1;
    bump(v.byStatus, String(rec.status));
    bump(v.byEndpoint, rec.endpoint);
    bump(this.s.byStatus, String(rec.status));
  }

  fault(vendor: Vendor, kind: FaultStatKind): void {
    this.s.faults[vendor][kind]++;
  }

  clear(): void {
    this.s = StatsCounter.empty();
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.s);
  }
}
