// A running byte count of what a container holds (held messages, a lane's queue, dead letters): each entry is
// measured once as JSON when it comes in and the same amount is taken off when it leaves, so the user's
// backlog budget is checked per message without serialising the whole state each time.
import { jsonBytes } from '../domain/contract/text';

export class Tally {
  private readonly sizes = new WeakMap<object, number>();
  private bytes = 0;

  constructor(initial: readonly object[] = []) {
    for (const entry of initial) this.add(entry);
  }

  get total(): number {
    return this.bytes;
  }

  add(entry: object): void {
    const size = jsonBytes(entry);
    this.sizes.set(entry, size);
    this.bytes += size;
  }

  remove(entry: object): void {
    this.bytes -= this.sizes.get(entry) ?? 0;
    this.sizes.delete(entry);
  }
}
