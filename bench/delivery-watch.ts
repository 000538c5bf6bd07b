// Watches the emulator's record (the source of truth) for a set of expected delivery ids: the first
// accepted request of each, incrementally (`since` cursor), until all are in or progress stalls.
import type { Destination } from '../domain/delivery';
import type { Emulator, RecordedRequest } from '../emulator/server';

export interface Acceptance {
  deliveryId: string;
  vendor: Destination;
  receivedAtMs: number;
  recordId: number;
}

export class DeliveryWatch {
  readonly accepted = new Map<string, Acceptance>();
  readonly records: RecordedRequest[] = [];
  private since = 0;

  constructor(
    private readonly emulator: Emulator,
    private readonly expected: ReadonlySet<string>,
    /** Keep every record of the expected deliveries (the chaos checker needs them all). */
    private readonly keepRecords = false,
  ) {}

  /** Reads what arrived since the last poll; returns how many expected deliveries are now accepted. */
  poll(): number {
    const fresh = this.emulator.requests({ since: this.since }) as RecordedRequest[];
    for (const r of fresh) {
      this.since = Math.max(this.since, r.id);
      if (this.keepRecords) this.records.push(r);
      if (!r.deliveryId || !this.expected.has(r.deliveryId)) continue;
      if (r.outcome === 'rejected' || r.outcome === 'fault') continue;
      if (!this.accepted.has(r.deliveryId))
        this.accepted.set(r.deliveryId, { deliveryId: r.deliveryId, vendor: r.vendor, receivedAtMs: r.receivedAtMs, recordId: r.id });
    }
    return this.accepted.size;
  }

  /**
   * Polls until every expected delivery is accepted (true). After `stallMs` without progress it throws, or
   * returns false with `giveUp: 'return'` (the chaos verdict then reports what is missing).
   */
  async waitAll(opts: {
    everyMs?: number;
    stallMs: number;
    onPoll?: (accepted: number) => void;
    label: string;
    giveUp?: 'throw' | 'return';
  }): Promise<boolean> {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const n = this.poll();
      opts.onPoll?.(n);
      if (n >= this.expected.size) return true;
      if (n !== last) {
        last = n;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > opts.stallMs) {
        if (opts.giveUp === 'return') return false;
        const missing = [...this.expected].filter((id) => !this.accepted.has(id));
        throw new Error(
          `${opts.label}: no delivery accepted for ${Math.round(opts.stallMs / 1000)} s; ${missing.length} of ${this.expected.size} still missing (e.g. ${missing.slice(0, 3).join(', ')})`,
        );
      }
      await new Promise((r) => setTimeout(r, opts.everyMs ?? 200));
    }
  }
}
