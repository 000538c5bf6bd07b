// Records a send activity's acceptances in the delivery ledger as they happen: each acceptance starts a
// write at once unless one is in flight, in which case it joins the next write (so a batch whose vendor
// answers faster than the ledger writes takes one round trip, and a slow vendor never waits on the ledger).
// The activity awaits flush() before it returns. A failed write is kept and tried once more by flush().
import { LedgerUnavailableError, type DeliveryLedger, type LedgerAcceptance } from './ledger';

export interface FlushResult {
  /** Delivery ids accepted by the vendor that the ledger could not record. */
  unrecorded: string[];
  error?: LedgerUnavailableError;
}

export class AcceptanceWriter {
  private pending: LedgerAcceptance[] = [];
  private writing: Promise<void> | undefined;
  /** The last write failed (cleared by a later successful one): the activity stops sending more. */
  failure: LedgerUnavailableError | undefined;
  /** Round trips made (for tests and the benchmark's cost figures). */
  writes = 0;

  constructor(private readonly ledger: DeliveryLedger) {}

  add(acceptance: LedgerAcceptance): void {
    this.pending.push(acceptance);
    if (!this.failure) this.start();
  }

  /** Waits until every acceptance added so far is written (one more try for failed ones). */
  async flush(): Promise<FlushResult> {
    await this.settled();
    if (this.pending.length > 0) {
      this.start();
      await this.settled();
    }
    return { unrecorded: this.pending.map((a) => a.receipt.deliveryId), ...(this.pending.length > 0 && this.failure ? { error: this.failure } : {}) };
  }

  private async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private start(): void {
    if (this.writing || this.pending.length === 0) return;
    const batch = this.pending.splice(0);
    this.writes += 1;
    this.writing = this.ledger.record(batch).then(
      () => {
        this.failure = undefined;
        this.writing = undefined;
        this.start();
      },
      (error: unknown) => {
        this.pending.unshift(...batch);
        this.failure = error instanceof LedgerUnavailableError ? error : new LedgerUnavailableError(this.ledger.description, error);
        this.writing = undefined;
      },
    );
  }
}
