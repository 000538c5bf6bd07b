// One statement for many activities: lookups and writes that send activities make at the same time are
// merged into one SELECT and one INSERT, with at most one of each in flight; what arrives meanwhile waits
// for the next one (group commit), and calls made in the same tick (the vendors' parts of one combined first
// attempt) start together. Each activity still makes one call per batch and gets its own answer,
// and a write resolves only once it is durable; under load the database runs a fraction of the statements.
import type { DeliveryLedger, LedgerAcceptance, LedgerEntry } from './ledger';

interface Waiting<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/** Runs `run` on everything queued, one call at a time; callers queued during a call go in the next one. */
class Coalescer<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  /** A statement is in flight, or about to start at the end of this tick. */
  private busy = false;
  /** Statements made (for tests and the cost figures). */
  calls = 0;

  constructor(private readonly run: (inputs: I[]) => Promise<(input: I) => O>) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        queueMicrotask(() => this.next());
      }
    });
  }

  private next(): void {
    const batch = this.queue.splice(0);
    if (batch.length === 0) {
      this.busy = false;
      return;
    }
    this.busy = true;
    this.calls += 1;
    this.run(batch.map((w) => w.input))
      .then(
        (answer) => batch.forEach((w) => w.resolve(answer(w.input))),
        (error: unknown) => batch.forEach((w) => w.reject(error)),
      )
      .finally(() => this.next());
  }
}

export class BatchingLedger implements DeliveryLedger {
  readonly lookups: Coalescer<readonly string[], Map<string, LedgerEntry>>;
  readonly writes: Coalescer<readonly LedgerAcceptance[], void>;

  constructor(private readonly inner: DeliveryLedger) {
    this.lookups = new Coalescer<readonly string[], Map<string, LedgerEntry>>(async (lists) => {
      const found = await inner.accepted([...new Set(lists.flat())]);
      return (ids) => new Map(ids.filter((id) => found.has(id)).map((id) => [id, found.get(id) as LedgerEntry]));
    });
    this.writes = new Coalescer<readonly LedgerAcceptance[], void>(async (lists) => {
      await inner.record(lists.flat());
      return () => undefined;
    });
  }

  get description(): string {
    return this.inner.description;
  }

  accepted(deliveryIds: readonly string[]): Promise<Map<string, LedgerEntry>> {
    return deliveryIds.length === 0 ? Promise.resolve(new Map()) : this.lookups.submit(deliveryIds);
  }

  record(acceptances: readonly LedgerAcceptance[]): Promise<void> {
    return acceptances.length === 0 ? Promise.resolve() : this.writes.submit(acceptances);
  }

  expire(maxAgeMs: number): Promise<number> {
    return this.inner.expire(maxAgeMs);
  }

  forgetUser(userHash: string): Promise<number> {
    return this.inner.forgetUser(userHash);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
