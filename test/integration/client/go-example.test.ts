// The Go example (examples/go), built with the Go toolchain and run against the run's Temporal server with a
// relay worker on its task queue: it signs up (update-with-start), tracks a purchase and refunds it using only
// the contract (workflow type, id, names, JSON). The emulator must record the purchase and the refund
// (negative revenue on AppsFlyer, the refund token on Adjust), and a bad track must come back to Go as a
// RelayInputError with its field issues. The workers encrypt payloads; the example encrypts with the same keys
// (S2S_PAYLOAD_KEYS), and the history it leaves holds no payload in clear. Module downloads and builds use Go's own caches, so reruns are fast.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clearPayloadSlots } from '../../../codec/history-payloads';
import { PROJECT_ROOT } from '../../../worker/paths';
import { secondsAgo } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

const exec = promisify(execFile);
const EXAMPLE_DIR = path.join(PROJECT_ROOT, 'examples', 'go');

/** The go command: on PATH, or where the Go tarball installs it. */
function findGo(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/go/bin']) {
    const candidate = path.join(dir, 'go');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

const go = findGo();
const SKIP_REASON = 'no Go toolchain (go on PATH or in /usr/local/go/bin); CI has one';
if (!go) console.warn(`[go example] SKIPPED: ${SKIP_REASON}`);

interface GoDelivery {
  destination: 'adjust' | 'appsflyer';
  deliveryId: string;
}
interface GoOutput {
  userId: string;
  workflowId: string;
  signup: { status: string; app: string; gateAt: string };
  track: { status: string; kind: string; id: string; deliveries: GoDelivery[] };
  refund: { status: string; kind: string; id: string; deliveries: GoDelivery[] };
  refused: { type: string; text: string; details: { message: string; issues: Array<{ path: string; message: string }>; reason?: string } };
}

let relay: RelayHarness | undefined;
let binDir: string;
let binary: string;
const ms: Record<string, number> = {};

describe.skipIf(!go)(`the Go example (examples/go)${go ? '' : ` — skipped: ${SKIP_REASON}`}`, () => {
  beforeAll(async () => {
    binDir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-go-example-'));
    binary = path.join(binDir, 's2s-go-example');
    const starting = startRelay().then((r) => (relay = r));
    const started = Date.now();
    try {
      await exec(go as string, ['build', '-o', binary, '.'], {
        cwd: EXAMPLE_DIR,
        env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly -buildvcs=false' },
        timeout: 540_000,
      });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`go build of examples/go failed: ${e.stderr || e.message}`);
    }
    ms.build = Date.now() - started;
    await starting;
  }, 600_000);

  afterAll(async () => {
    console.log(`[go example] go build ${ms.build} ms, run ${ms.run} ms`);
    if (binDir) fs.rmSync(binDir, { recursive: true, force: true });
    await relay?.stop();
  });

  it('signs up, tracks a purchase and refunds it; the emulator records both, and a bad track is a RelayInputError', async () => {
    const r = relay as RelayHarness;
    const install = iosInstall({ installedAt: secondsAgo(3600) });
    install.deviceIds = { idfa: install.deviceIds?.idfa as string };
    registerInstall(r.emulator, install);
    const started = Date.now();
    let stdout: string;
    try {
      ({ stdout } = await exec(
        binary,
        [
          '-json',
          '-user',
          install.userId,
          '-app',
          'demo-ios',
          '-idfa',
          install.deviceIds.idfa as string,
          '-appsflyer-id',
          install.appsflyerId as string,
          '-installed-at',
          install.installedAt,
        ],
        {
          // The workers encrypt payloads: the Go client uses the same keys (examples/go/codec.go).
          env: {
            PATH: process.env.PATH ?? '',
            TEMPORAL_ADDRESS: inject('temporalAddress'),
            TEMPORAL_NAMESPACE: 'default',
            TEMPORAL_TASK_QUEUE: r.taskQueue,
            S2S_PAYLOAD_KEYS: process.env.S2S_PAYLOAD_KEYS ?? '',
          },
          timeout: 90_000,
        },
      ));
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(`the Go example failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
    ms.run = Date.now() - started;
    const out = JSON.parse(stdout) as GoOutput;

    expect(out.workflowId).toBe(`s2s-user-${install.userId}`);
    expect(out.signup).toMatchObject({ status: 'signed-up', app: 'demo-ios' });
    expect(out.track).toMatchObject({ status: 'accepted', kind: 'track', id: 'go_purchase_1' });
    expect(out.refund).toMatchObject({ status: 'accepted', kind: 'refund', id: 'go_refund_1' });
    expect(out.refused.type).toBe('RelayInputError');
    expect(out.refused.details.message).toBe('track');
    expect(out.refused.details.issues.map((i) => i.path).sort()).toEqual(['occurredAt', 'revenue']);
    expect(out.refused.details.issues.find((i) => i.path === 'revenue')?.message).toMatch(/decimal string/);

    const delivered = (deliveries: GoDelivery[], destination: GoDelivery['destination'], what: string) => {
      const id = deliveries.find((d) => d.destination === destination)?.deliveryId;
      expect(id, `${what} has a ${destination} delivery`).toBeDefined();
      return waitFor(`${destination} request for the ${what}`, () => r.emulator.requests({ deliveryId: id as string }).find((q) => q.status === 200));
    };
    const afPurchase = await delivered(out.track.deliveries, 'appsflyer', 'purchase');
    const afRefund = await delivered(out.refund.deliveries, 'appsflyer', 'refund');
    expect(afPurchase.revenue).toBe('9.99');
    expect(afRefund.revenue).toBe('-9.99');
    expect((afRefund.json as { eventName?: string }).eventName).toBe('cancel_purchase');
    expect(afRefund.id).toBeGreaterThan(afPurchase.id);
    const adjustPurchase = await delivered(out.track.deliveries, 'adjust', 'purchase');
    const adjustRefund = await delivered(out.refund.deliveries, 'adjust', 'refund');
    expect(adjustPurchase.revenue).toBe('9.99');
    expect(adjustRefund.params?.event_token).toBe('r3fnd1');

    // The refused track recorded nothing: the workflow kept the purchase and the refund only.
    const status = await r.client.status(install.userId);
    expect(status.counters.received).toBe(2);
    // What Go sent is stored encrypted, like everything the workers write.
    if (process.env.S2S_PAYLOAD_KEYS) {
      const stored = await r.temporal.workflow.getHandle(out.workflowId).fetchHistory();
      expect(clearPayloadSlots(stored).map((slot) => slot.path.join('.'))).toEqual([]);
    }
  }, 120_000);
});
