// Per-vendor rate limits in the real workers: with AppsFlyer's requests limited, they are spaced at the
// configured rate (batches included) while Adjust, unlimited, takes the same events at once; with AppsFlyer's
// task queue limited (Temporal's server-side rate, for all replicas), its send activities are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

const RATE = 10;
let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' }, tuning: { rateLimits: { appsflyer: RATE } } });
});
afterAll(async () => {
  await relay?.stop();
});

/**
 * Adjust, unlimited, sends a queued batch back to back: gaps no limiter at these rates would leave. (Its end-to-end
 * spread is no measure: it follows the workflow tasks, slow on a loaded PostgreSQL server.)
 */
function expectUnpaced(times: number[]): void {
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  expect(gaps.filter((g) => g < 1000 / RATE / 2).length, `gaps between Adjust requests: ${gaps.join(', ')}`).toBeGreaterThanOrEqual(3);
}

describe('rate limits', () => {
  it('spaces AppsFlyer requests at the limit, and leaves Adjust alone', async () => {
    const users = [iosInstall(), iosInstall(), iosInstall()];
    for (const install of users) {
      registerInstall(relay.emulator, install);
      await relay.client.signup(install);
    }
    const since = relay.emulator.requests({}).at(-1)?.id ?? 0;
    const events = users.flatMap((u) => Array.from({ length: 6 }, (_, i) => purchase(u.userId, `evt_rate_${i}`, secondsAgo(30 - i))));
    await Promise.all(events.map((e) => relay.client.trackSignal(e)));
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
    // 18 AppsFlyer requests at 10/s take at least 1.7 s end to end, and no second holds more than the rate's 10
    // (3 more allowed: the emulator sees arrival times, and on a loaded machine a request that left on time can
    // arrive late, next to the one after it; an unlimited sender puts all 18 in one second).
    expect(af.at(-1)! - af[0]!).toBeGreaterThanOrEqual(((af.length - 1) * 1000) / RATE - 150);
    const busiestSecond = Math.max(...af.map((t) => af.filter((u) => u >= t && u < t + 1000).length));
    expect(busiestSecond, `AppsFlyer arrivals (ms after the first): ${af.map((t) => t - af[0]!).join(', ')}`).toBeLessThanOrEqual(RATE + 3);
    expectUnpaced(adj);
  });
});

describe('task-queue rate limits (server-side, all replicas together)', () => {
  const TQ_RATE = 4;
  let limited: RelayHarness;
  beforeAll(async () => {
    // One event per activity, so activities/s = requests/s here.
    limited = await startRelay({
      policy: { postInstallDelay: '1s', settleWindow: '100ms', maxBatchSize: 1 },
      tuning: { taskQueueRates: { appsflyer: TQ_RATE } },
    });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('starts AppsFlyer send activities no faster than the task queue allows', async () => {
    const users = [iosInstall(), iosInstall(), iosInstall(), iosInstall()];
    for (const install of users) {
      registerInstall(limited.emulator, install);
      await limited.client.signup(install);
    }
    const events = users.flatMap((u) => Array.from({ length: 3 }, (_, i) => purchase(u.userId, `evt_tq_${i}`, secondsAgo(30 - i))));
    await Promise.all(events.map((e) => limited.client.trackSignal(e)));
    const requests = await waitFor(
      'all deliveries',
      () => {
        const found = limited.emulator.requests({});
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
    // 12 activities at 4/s, allowing the server's rate limiter a burst of up to one second's worth.
    expect(af.at(-1)! - af[0]!).toBeGreaterThanOrEqual(((af.length - 1 - TQ_RATE) * 1000) / TQ_RATE);
    expectUnpaced(adj);
  });
});
