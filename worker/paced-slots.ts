// Activity slots of a rate-limited vendor worker: a slot (and so a poll for a send activity) is handed out
// only while the vendor's request pacer is less than `maxBacklogMs` behind, so sends waiting for the rate
// stay in Temporal's task queue instead of piling up in the worker with their attempt timeouts running.
import type { CustomSlotSupplier, ActivitySlotInfo, SlotPermit, SlotReserveContext } from '@temporalio/worker';
import type { RequestPacer } from '../activities/rate-limit';

export class PacedActivitySlots implements CustomSlotSupplier<ActivitySlotInfo> {
  readonly type = 'custom' as const;
  private used = 0;

  constructor(
    private readonly pacer: RequestPacer,
    private readonly maxSlots: number,
    private readonly maxBacklogMs = 1_000,
  ) {}

  /** 0 when a slot may be handed out now, else how long to wait before asking again. */
  private waitMs(): number {
    if (this.used >= this.maxSlots) return 50;
    return Math.max(0, this.pacer.backlogMs() - this.maxBacklogMs);
  }

  async reserveSlot(_ctx: SlotReserveContext, abortSignal: AbortSignal): Promise<SlotPermit> {
    for (;;) {
      if (abortSignal.aborted) throw abortError();
      const wait = this.waitMs();
      if (wait <= 0) {
        this.used += 1;
        return {};
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(wait, 250));
        function done() {
          clearTimeout(timer);
          abortSignal.removeEventListener('abort', done);
          resolve();
        }
        abortSignal.addEventListener('abort', done, { once: true });
      });
    }
  }

  tryReserveSlot(_ctx: SlotReserveContext): SlotPermit | null {
    if (this.waitMs() > 0) return null;
    this.used += 1;
    return {};
  }

  markSlotUsed(): void {
    // Counted at reservation.
  }

  releaseSlot(): void {
    this.used = Math.max(0, this.used - 1);
  }
}

function abortError(): Error {
  const error = new Error('slot reservation aborted');
  error.name = 'AbortError';
  return error;
}
