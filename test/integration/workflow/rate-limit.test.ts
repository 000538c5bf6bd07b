// Per-vendor rate limits in the real workers: with AppsFlyer's requests limited, they are spaced at the
// configured rate (batches included) while Adjust, unlimited, sends the same batches back to back; with
// AppsFlyer's task queue limited (Temporal's server-side rate, for all replicas), its send activities are.
// The users' events are all queued behind the post-install delay before any lane opens, so what is sent is
// whole batches, however slowly a loaded machine runs the workflow tasks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import type { Signup } from '../../../domain/contract/install';
import { signedUpUser } from '../../helpers/users';

/** Installs this old with this post-install delay open their lanes GATE_MS after the users are made. */
const INSTALL_AGE_MS = 30_000;
const GATE_MS = 8_000;
const GATED_POLICY = { postInstallDelay: `${(INSTALL_AGE_MS + GATE_MS) / 1000}s`, settleWindow: '100ms' };

/** Signs the users up and signals their events, and checks that every user still has them all queued behind the gate. */
async function queueBehindGate(harness: RelayHarness, userCount: number, perUser: number, prefix: string) {
  const users: Signup[] = [];
  for (let i = 0; i < userCount; i++) users.push(await signedUpUser(harness, { installedAt: new Date(Date.now() - INSTALL_AGE_MS).toISOString() }));
  const since = harness.emulator.requests({}).at(-1)?.id ?? 0;
  // Events after the install (the vendors would refuse earlier ones), in order.
  const events = users.flatMap((u) => Array.from({ length: perUser }, (_, i) => purchase(u.userId, `${prefix}_${i}`, secondsAgo(20 - i))));
  await Promise.all(events.map((e) => harness.client.trackSignal(e)));
  for (const u of users) {
    const status = await waitFor(`${u.userId} to have its ${perUser} events queued`, async () => {
      const s = await harness.client.status(u.userId);
      return s.pending >= perUser || !s.gateOpen ? s : undefined;
    });
    expect(status.gateOpen, `the test signalled slower than the ${GATE_MS} ms gate: ${u.userId} is already sending`).toBe(false);
    expect(status.pending).toBeGreaterThanOrEqual(perUser);
  }
  return { events, since };
}

/** Slow enough that a limiter's 17 intervals (5.7 s) stand clear of an unlimited sender on a loaded machine. */
const RATE = 3;
let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: GATED_POLICY, tuning: { rateLimits: { appsflyer: RATE } } });
});
afterAll(async () => {
  await relay?.stop();
});

describe('rate limits', () => {
  it('spaces AppsFlyer requests at the limit, and leaves Adjust alone', async () => {
    const { events, since } = await queueBehindGate(relay, 3, 6, 'evt_rate');
    const requests = await waitFor(
      'all deliveries',
      () => {
        const found = relay.emulator.requests({ since });
        return found.filter((r) => r.status === 200).length >= events.length * 2 ? found : undefined;
      },
      30_000,
    );
    const times = (vendor: string) =>
      requests
        .filter((r) => r.vendor === vendor)
        .map((r) => r.receivedAtMs)
        .sort((a, b) => a - b);
    const af = times('appsflyer');
    const adj = times('adjust');
    // 18 AppsFlyer requests at 3/s take at least 5.7 s end to end, and no second holds more than the rate's 3
    // (3 more allowed: the emulator sees arrival times, and on a loaded machine a request that left on time can
    // arrive late, next to the one after it; an unlimited sender's 18 came within 2.6 s even on a loaded CI machine).
    expect(af.at(-1)! - af[0]!).toBeGreaterThanOrEqual(((af.length - 1) * 1000) / RATE - 150);
    const busiestSecond = Math.max(...af.map((t) => af.filter((u) => u >= t && u < t + 1000).length));
    expect(busiestSecond, `AppsFlyer arrivals (ms after the first): ${af.map((t) => t - af[0]!).join(', ')}`).toBeLessThanOrEqual(RATE + 3);
    // Adjust, unlimited, sends the same 18 requests faster than any limiter at AppsFlyer's rate could: its
    // whole span is a second shorter than the 17 intervals such a limiter needs (a limited Adjust measured
    // within a few ms of them). Gaps between single requests are no evidence on a loaded machine: one CI run
    // saw 68-391 ms between an unlimited batch's requests.
    expect(adj.at(-1)! - adj[0]!, `Adjust arrivals (ms after the first): ${adj.map((t) => t - adj[0]!).join(', ')}`).toBeLessThan(
      ((adj.length - 1) * 1000) / RATE - 1000,
    );
  });
});

describe('task-queue rate limits (server-side, all replicas together)', () => {
  const TQ_RATE = 2;
  let limited: RelayHarness;
  beforeAll(async () => {
    // One event per activity, so activities/s = requests/s here.
    limited = await startRelay({
      policy: { ...GATED_POLICY, maxBatchSize: 1 },
      tuning: { taskQueueRates: { appsflyer: TQ_RATE } },
    });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('starts AppsFlyer send activities no faster than the task queue allows', async () => {
    const { events, since } = await queueBehindGate(limited, 4, 3, 'evt_tq');
    const requests = await waitFor(
      'all deliveries',
      () => {
        const found = limited.emulator.requests({ since });
        return found.filter((r) => r.status === 200).length >= events.length * 2 ? found : undefined;
      },
      30_000,
    );
    const times = (vendor: string) =>
      requests
        .filter((r) => r.vendor === vendor)
        .map((r) => r.receivedAtMs)
        .sort((a, b) => a - b);
    const af = times('appsflyer');
    const adj = times('adjust');
    expect(af).toHaveLength(events.length);
    // 12 activities at 2/s (at least 4.5 s), allowing the server's rate limiter a burst of up to one second's worth.
    const afSpan = af.at(-1)! - af[0]!;
    expect(afSpan).toBeGreaterThanOrEqual(((af.length - 1 - TQ_RATE) * 1000) / TQ_RATE);
    // Adjust's queue is not limited: its 12 (three activities in turn per user, the four users at once) are done
    // in well under half that time (both lanes wait on the same workflow tasks, so a slow machine slows both).
    expect(adj).toHaveLength(events.length);
    expect(adj.at(-1)! - adj[0]!, `Adjust arrivals (ms after the first): ${adj.map((t) => t - adj[0]!).join(', ')}`).toBeLessThan(afSpan / 2);
  });
});
