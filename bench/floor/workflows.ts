// The Temporal floor of the benchmark: the least a durable per-user workflow can do for each event, one
// signal in and one no-op activity out, in arrival order. Bundled on its own (never in the relay bundle);
// it completes once it has handled the number of events it was started with.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { FloorActivities } from './activities';

export interface FloorMessage {
  id: string;
}

export const floorTrack = defineSignal<[FloorMessage]>('track');
export const floorRefund = defineSignal<[FloorMessage]>('refund');

const { noop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '1 minute' });

export async function floorWorkflow(expected: number): Promise<number> {
  const queue: FloorMessage[] = [];
  setHandler(floorTrack, (m) => void queue.push(m));
  setHandler(floorRefund, (m) => void queue.push(m));
  let done = 0;
  while (done < expected) {
    await condition(() => queue.length > 0);
    await noop((queue.shift() as FloorMessage).id);
    done += 1;
  }
  return done;
}
