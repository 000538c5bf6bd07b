// Per-vendor request rate limits in the real workers: with AppsFlyer limited, its requests are spaced at
// the configured rate (batches included) while Adjust, unlimited, takes the same events at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purchase, secondsAgo } from '../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../helpers/relay';
import { iosInstall, registerInstall } from '../helpers/users';

const RATE = 10;
let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' }, tuning: { rateLimits: { appsflyer: RATE } } });
});
afterAll(async () => {
  await relay?.stop();
});

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
    const requests = await waitFor('all deliveries', () => {
      const found = relay.emulator.requests({ since });
      return found.filter((r) => r.status === 200).length >= events.length * 2 ? found : undefined;
    }, 30_000);
    const times = (vendor: string) => requests.filter((r) => r.vendor === vendor).map((r) => r.receivedAtMs).sort((a, b) => a - b);
    const af = times('appsflyer');
    const adj = times('adjust');
    // 18 AppsFlyer requests at 10/s take at least 1.7 s end to end: each goes at its reserved instant or later
    // (slack for the first one being late), and no two arrive much closer than 100 ms (request jitter).
    expect(af.at(-1)! - af[0]!).toBeGreaterThanOrEqual(((af.length - 1) * 1000) / RATE - 150);
    for (let i = 1; i < af.length; i++) expect(af[i]! - af[i - 1]!).toBeGreaterThanOrEqual(1000 / RATE / 2);
    expect(adj.at(-1)! - adj[0]!).toBeLessThan(af.at(-1)! - af[0]!);
  });
});
