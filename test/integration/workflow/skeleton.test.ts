// End to end on a real Temporal dev server: signup starts one workflow idempotently, a tracked purchase
// reaches both vendors (emulator) through the two send activities, and the history shows both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userWorkflowId } from '../../../domain/ids';
import { decodedHistory, sendsIn, userRuns } from '../../helpers/histories';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay();
});
afterAll(async () => {
  await relay?.stop();
});

describe('walking skeleton', () => {
  it('signs up idempotently and delivers a purchase to Adjust and AppsFlyer', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    const first = await relay.client.signup(install);
    expect(first.status).toBe('signed-up');
    const second = await relay.client.signup(install);
    expect(second.status).toBe('already-signed-up');

    const answer = await relay.client.track({
      userId: install.userId,
      eventId: 'evt_skeleton_1',
      name: 'purchase',
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      revenue: '4.99',
      currency: 'USD',
    });
    expect(answer.status).toBe('accepted');
    expect(answer.deliveries.map((d) => d.destination).sort()).toEqual(['adjust', 'appsflyer']);

    for (const delivery of answer.deliveries) {
      const [request] = await waitFor(`${delivery.destination} request`, () => {
        const found = relay.emulator.requests({ deliveryId: delivery.deliveryId });
        return found.length > 0 ? found : undefined;
      });
      expect(request?.vendor).toBe(delivery.destination);
      expect(request?.status).toBe(200);
      expect(request?.outcome).toBe(delivery.destination === 'adjust' ? 'accepted' : 'attributed');
      expect(request?.revenue).toBe('4.99');
    }

    const status = await waitFor('both deliveries recorded', async () => {
      const s = await relay.client.status(install.userId);
      return s.counters.delivered === 2 ? s : undefined;
    });
    expect(status.state).toBe('idle');

    const history = await decodedHistory(relay.temporal, userWorkflowId(install.userId));
    // Both first attempts ran together in one combined activity, and nothing else was needed.
    const sends = sendsIn(history.events ?? []);
    expect(sends.map((s) => [s.activityType, s.combined, s.local, s.completed, s.failed])).toEqual(
      expect.arrayContaining([
        ['sendToAdjust', true, false, true, false],
        ['sendToAppsflyer', true, false, true, false],
      ]),
    );
    expect(sends).toHaveLength(2);
    expect(new Set(sends.map((s) => s.eventId)).size).toBe(1);
    // The second signup did not start a second run.
    expect(await userRuns(relay.temporal, install.userId)).toHaveLength(1);
  });
});
