// Fault injection: the FaultSpec schema of POST /__emulator/faults and a deterministic, seeded decision
// per vendor request (one PRNG per vendor, so interleaving between vendors does not change either
// sequence). Kinds are mutually exclusive per request, drawn in a fixed order; `count` limits a spec to
// the next N requests of that vendor.
import { z } from 'zod';
import type { Vendor } from './record';

const rate = z.number().min(0).max(1);
export const FAULT_DRAW_ORDER = ['error5xx', 'rate429', 'reset', 'hang', 'acceptThenReset', 'slow'] as const;
export type FaultDrawKind = (typeof FAULT_DRAW_ORDER)[number];

export const FaultSpecSchema = z
  .strictObject({
    error5xx: rate.optional(),
    rate429: rate.optional(),
    slow: rate.optional(),
    slowMs: z.number().int().min(0).max(600_000).default(2000),
    hang: rate.optional(),
    reset: rate.optional(),
    acceptThenReset: rate.optional(),
    count: z.number().int().positive().optional(),
  })
  .refine((s) => FAULT_DRAW_ORDER.reduce((sum, k) => sum + (s[k] ?? 0), 0) <= 1 + 1e-9, {
    message: 'fault rates of one vendor add up to more than 1 (kinds are exclusive per request)',
  });
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export const DEFAULT_FAULT_SEED = 1;
export const FaultsInputSchema = z.strictObject({
  adjust: FaultSpecSchema.optional(),
  appsflyer: FaultSpecSchema.optional(),
  seed: z.number().int().optional(),
});
export type FaultsInput = z.input<typeof FaultsInputSchema>;

export type FaultDecision = { kind: 'none' } | { kind: Exclude<FaultDrawKind, 'slow'> } | { kind: 'slow'; ms: number };

export interface VendorFaultState {
  spec: FaultSpec;
  /** Requests left before the spec stops (only with count). */
  remaining?: number;
}

export interface FaultsState {
  seed: number;
  adjust: VendorFaultState | null;
  appsflyer: VendorFaultState | null;
}

/** mulberry32: small, fast, good enough for repeatable test faults. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VENDOR_SALT: Record<Vendor, number> = { adjust: 0x41444a55, appsflyer: 0x41465359 };

export class FaultInjector {
  private state: FaultsState = { seed: DEFAULT_FAULT_SEED, adjust: null, appsflyer: null };
  private rng: Record<Vendor, () => number> = this.rngs(DEFAULT_FAULT_SEED);

  private rngs(seed: number): Record<Vendor, () => number> {
    return { adjust: mulberry32(seed ^ VENDOR_SALT.adjust), appsflyer: mulberry32(seed ^ VENDOR_SALT.appsflyer) };
  }

  /** Replaces all faults (vendors not given get none) and restarts both random sequences. */
  set(input: z.output<typeof FaultsInputSchema>): FaultsState {
    const seed = input.seed ?? DEFAULT_FAULT_SEED;
    const one = (spec: FaultSpec | undefined): VendorFaultState | null =>
      spec ? { spec, ...(spec.count !== undefined ? { remaining: spec.count } : {}) } : null;
    this.state = { seed, adjust: one(input.adjust), appsflyer: one(input.appsflyer) };
    this.rng = this.rngs(seed);
    return this.snapshot();
  }

  clear(): void {
    this.set({});
  }

  snapshot(): FaultsState {
    return structuredClone(this.state);
  }

  decide(vendor: Vendor): FaultDecision {
    const vs = this.state[vendor];
    if (!vs) return { kind: 'none' };
    if (vs.remaining !== undefined) {
      vs.remaining--;
      if (vs.remaining <= 0) this.state[vendor] = null;
    }
    const r = this.rng[vendor]();
    let acc = 0;
    for (const kind of FAULT_DRAW_ORDER) {
      acc += vs.spec[kind] ?? 0;
      if (r < acc) return kind === 'slow' ? { kind, ms: vs.spec.slowMs } : { kind };
    }
    return { kind: 'none' };
  }
}
