// UpdateWatch (workflows/update-watch.ts): no send inside the workflow task while an update handler runs or has
// just answered, since the answer reaches the caller only when the task ends.
import { describe, expect, it } from 'vitest';
import { UpdateWatch } from '../../../workflows/update-watch';

describe('UpdateWatch', () => {
  it('lets a send hold the task when no update is being answered', () => {
    const watch = new UpdateWatch();
    expect(watch.mayHoldTask()).toBe(true);
  });

  it('refuses once after a synchronous answer (or a refusal), then allows again', () => {
    const watch = new UpdateWatch();
    const handler = watch.around((n: number) => n * 2);
    expect(handler(21)).toBe(42);
    expect(watch.mayHoldTask()).toBe(false);
    expect(watch.mayHoldTask()).toBe(true);
    const failing = watch.around(() => {
      throw new Error('refused');
    });
    expect(() => failing()).toThrow('refused');
    expect(watch.mayHoldTask()).toBe(false);
    expect(watch.mayHoldTask()).toBe(true);
  });

  it('refuses while an asynchronous handler runs, and once after it answered', async () => {
    const watch = new UpdateWatch();
    let finish!: (v: string) => void;
    const answer = watch.around(() => new Promise<string>((resolve) => (finish = resolve)))();
    expect(watch.mayHoldTask()).toBe(false);
    expect(watch.mayHoldTask()).toBe(false);
    finish('done');
    await expect(answer).resolves.toBe('done');
    expect(watch.mayHoldTask()).toBe(false);
    expect(watch.mayHoldTask()).toBe(true);
  });
});
