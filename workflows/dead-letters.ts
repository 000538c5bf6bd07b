// Dead letters: deliveries (or messages that never reached a lane) that could not be delivered, kept with
// the vendor's status and message and an id redrive takes, until a redrive. They are never evicted: the
// user's backlog budget (policy.maxUndeliveredKiB) refuses new messages before they could grow too many.
import { isoTime } from '../domain/contract/time';
import { dedupKey, messageId, messageRevenue } from '../domain/delivery';
import type { DeadLetterRecord } from '../domain/snapshot';
import type { DeadLetterView } from '../domain/status';
import { Tally } from './tally';

export class DeadLetters {
  private records: DeadLetterRecord[];
  private readonly tally: Tally;

  constructor(records?: DeadLetterRecord[]) {
    this.records = records ?? [];
    this.tally = new Tally(this.records);
  }

  get count(): number {
    return this.records.length;
  }

  has(id: string): boolean {
    return this.records.some((r) => r.id === id);
  }

  /** Bytes the dead letters take (JSON). */
  get bytes(): number {
    return this.tally.total;
  }

  add(record: DeadLetterRecord): void {
    this.records.push(record);
    this.tally.add(record);
  }

  /** Removes and returns the dead letters `ids` names (all when absent or empty); also matches a message's dedup key. */
  take(ids: readonly string[] | undefined): { taken: DeadLetterRecord[]; notFound: string[] } {
    const wanted = ids && ids.length > 0 ? new Set(ids) : undefined;
    const taken: DeadLetterRecord[] = [];
    const keep: DeadLetterRecord[] = [];
    const found = new Set<string>();
    for (const letter of this.records) {
      const key = letter.held ? dedupKey(letter.held.message) : undefined;
      const hit = !wanted ? letter.id : wanted.has(letter.id) ? letter.id : key && wanted.has(key) ? key : undefined;
      if (hit === undefined) keep.push(letter);
      else {
        taken.push(letter);
        this.tally.remove(letter);
        found.add(hit);
      }
    }
    this.records = keep;
    return { taken, notFound: wanted ? [...wanted].filter((id) => !found.has(id)) : [] };
  }

  /** Puts back a dead letter a redrive could not re-queue (it keeps its place at the end). */
  putBack(record: DeadLetterRecord): void {
    this.add(record);
  }

  views(): DeadLetterView[] {
    return this.records.map(view);
  }

  toJSON(): DeadLetterRecord[] {
    return this.records;
  }
}

function view(letter: DeadLetterRecord): DeadLetterView {
  const message = letter.item?.message ?? letter.held?.message;
  const money = message ? messageRevenue(message) : undefined;
  return {
    id: letter.id,
    ...(letter.item ? { deliveryId: letter.item.deliveryId, destination: letter.item.destination } : {}),
    kind: message?.kind ?? 'track',
    messageId: message ? messageId(message) : '?',
    ...(message?.kind === 'track' ? { name: message.track.name } : {}),
    occurredAt: message
      ? message.kind === 'track'
        ? message.track.occurredAt
        : message.kind === 'refund'
          ? message.refund.occurredAt
          : message.adRevenue.occurredAt
      : isoTime(0),
    ...(money ? { revenue: money.revenue, currency: money.currency } : {}),
    reason: letter.reason,
    ...(letter.status !== undefined ? { status: letter.status } : {}),
    ...(letter.vendorMessage !== undefined ? { vendorMessage: letter.vendorMessage } : {}),
    ...(letter.attempts !== undefined ? { attempts: letter.attempts } : {}),
    at: isoTime(letter.atMs),
    redrives: letter.redrives,
  };
}
