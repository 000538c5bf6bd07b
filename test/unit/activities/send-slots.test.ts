// SendSlots (activities/send-slots.ts): at most `size` sends at once, the rest in arrival order, a slot freed
// whether the send succeeds or fails.
import { describe, expect, it } from 'vitest';
import { SendSlots } from '../../../activities/send-slots';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SendSlots', () => {
  it('runs at most `size` sends at once and starts the others in the order they came, as slots free up', async () => {
    const slots = new SendSlots(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const runs = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        most = Math.max(most, (running += 1));
        try {
          await g.promise;
          return i;
        } finally {
          running -= 1;
        }
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.reject(new Error('vendor down'));
    await expect(runs[0]).rejects.toThrow('vendor down');
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2]!.resolve();
    gates[3]!.resolve();
    expect(await Promise.all(runs.slice(2))).toEqual([2, 3]);
    expect(most).toBe(2);
    // All free again: two more start at once.
    const again = [deferred(), deferred()];
    const more: number[] = [];
    const second = again.map((g, i) => slots.run(async () => (more.push(i), g.promise)));
    await Promise.resolve();
    expect(more).toEqual([0, 1]);
    again.forEach((g) => g.resolve());
    await Promise.all(second);
  });
});
