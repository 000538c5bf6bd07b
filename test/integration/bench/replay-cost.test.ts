// The bench's direct replay measure (bench/replay-cost.ts): recorded histories go to a fresh process through
// files, are replayed there with the SDK's replayer, and the median CPU per replay comes back. Uses a recorded
// relay history (a fixture) on both sides, and one the relay recorded with its payloads encrypted. One replay
// per side is also counted (bench/replay-anatomy.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { replayCostApart } from '../../../bench/replay-cost';
import { userWorkflowId } from '../../../domain/ids';
import { PROJECT_ROOT } from '../../../worker/paths';
import { startRelay } from '../../helpers/relay';
import { signedUpUser } from '../../helpers/users';
import { readHistoryFile } from '../../../bench/history-file';

const FIXTURE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'history-before-settle-in-attempt.json');
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-replay-cost-'));
afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }));

describe('bench: the direct replay measure', () => {
  const history = readHistoryFile(FIXTURE);

  it('replays the histories in a process of its own, both sides in turns, and reports the median CPU per replay', async () => {
    const bundlePath = inject('workflowBundlePath');
    const side = { bundlePath, histories: [history, history] };
    const cost = await replayCostApart(runDir, { relay: side, floor: side });
    for (const measured of [cost.relay, cost.floor]) {
      expect(measured.replays).toBe(3 * 2); // three rounds of two histories each (the warm-up ones left out)
      expect(measured.ms).toBeGreaterThan(0);
      expect(measured.history_events).toBe(history.events?.length);
      expect(measured.workflow_tasks).toBe(history.events?.filter((e) => e.workflowTaskCompletedEventAttributes).length);
    }
    // One replay counted: the same history and bundle on both sides take exactly the same work.
    const anatomy = cost.relay.anatomy;
    expect(anatomy).toBeDefined();
    expect(cost.floor.anatomy).toEqual(anatomy);
    const tasks = history.events?.filter((e) => e.workflowTaskCompletedEventAttributes).length ?? 0;
    expect(anatomy?.activations).toBeGreaterThanOrEqual(tasks);
    expect(anatomy?.condition_passes).toBeGreaterThanOrEqual(anatomy?.activations ?? Infinity);
    // Each activation is at least an activate, a pass over the conditions and a conclusion.
    expect(anatomy?.sandbox_calls).toBeGreaterThanOrEqual(3 * (anatomy?.activations ?? Infinity));
    expect(anatomy?.promises).toBeGreaterThan(0);
    // The histories went through the files whole (payload bytes included), or they would not have replayed.
    expect(fs.existsSync(path.join(runDir, 'replay-sample-relay.json'))).toBe(true);
  }, 120_000);

  it("replays encrypted histories with the workers' keys, and cannot without them", async () => {
    const relay = await startRelay();
    try {
      const install = await signedUpUser(relay);
      const encrypted = await relay.temporal.workflow.getHandle(userWorkflowId(install.userId)).fetchHistory();
      const side = { bundlePath: inject('workflowBundlePath'), histories: [encrypted] };
      const keys = { S2S_PAYLOAD_KEYS: process.env.S2S_PAYLOAD_KEYS };
      expect(keys.S2S_PAYLOAD_KEYS, 'the test run encrypts payloads').toBeTruthy();
      expect((await replayCostApart(runDir, { relay: side, floor: side }, keys)).relay.replays).toBe(3);
      await expect(replayCostApart(runDir, { relay: side, floor: side })).rejects.toThrow(/replay measure exited with code 1/);
    } finally {
      await relay.stop();
    }
  }, 120_000);

  it('fails with the log to read when a history does not replay', async () => {
    const broken = { bundlePath: path.join(runDir, 'no-such-bundle.js'), histories: [history] };
    await expect(replayCostApart(runDir, { relay: broken, floor: broken })).rejects.toThrow(/replay measure exited with code 1; see .*replay-cost\.log/);
  }, 120_000);
});
