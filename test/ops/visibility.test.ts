// The visibility queries operators type into the Temporal UI's filter (and `s2s dead-letters` runs) return
// exactly the users needing attention, and follow each workflow as it runs: a dead letter appears and goes
// away with its redrive, a stopped lane shows, events waiting for a signup count as pending until it arrives.
// Scoped to this harness's task queue (the test server is shared); visibility is eventually consistent: polled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS_QUERIES, usersWithDeadLetters } from '../../client/relay-client';
import { defaultEmulatorConfig } from '../../emulator/config';
import { purchase, secondsAgo } from '../helpers/events';
import { startRelay, testUserId, type RelayHarness } from '../helpers/relay';
import { iosInstall, registerInstall } from '../helpers/users';
import { breakTrialToken, expectVisible, signedUpUser, statusWhen } from './ops-helpers';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms' } });
});
afterAll(async () => {
  await relay?.stop();
});

describe('operator visibility queries', () => {
  it('list exactly the users with dead letters, stopped lanes or pending deliveries, and follow them', async () => {
    // Four users: all fine; a dead letter (Adjust rejects the trial token); a stopped lane (device opted
    // out at Adjust: 451); events waiting for a signup that has not arrived.
    breakTrialToken(relay);
    const fine = await signedUpUser(relay);
    const dead = await signedUpUser(relay);
    const stopped = iosInstall();
    registerInstall(relay.emulator, stopped);
    relay.emulator.updateConfig({ optedOutDevices: [stopped.deviceIds!.idfa!] });
    await relay.client.signup(stopped);
    const waiting = iosInstall({ userId: testUserId('ops-wait') });
    registerInstall(relay.emulator, waiting);

    await relay.client.track(purchase(fine.userId, 'evt_fine', secondsAgo(10)));
    await relay.client.track({ userId: dead.userId, eventId: 'evt_trial', name: 'trial', occurredAt: secondsAgo(10) });
    await relay.client.track(purchase(stopped.userId, 'evt_optout', secondsAgo(10)));
    await relay.client.trackSignal(purchase(waiting.userId, 'evt_early', secondsAgo(10)));
    await statusWhen(relay, fine.userId, 'delivered', (s) => s.counters.delivered === 2);
    await statusWhen(relay, dead.userId, 'dead letter', (s) => s.deadLetters.length === 1 && s.pending === 0);
    await statusWhen(relay, stopped.userId, 'lane stopped', (s) => s.state === 'lane stopped' && s.pending === 0);
    await statusWhen(relay, waiting.userId, 'held', (s) => s.held === 1);

    await expectVisible(relay, OPS_QUERIES.deadLetters, [dead.userId]);
    await expectVisible(relay, OPS_QUERIES.laneStopped, [stopped.userId]);
    await expectVisible(relay, OPS_QUERIES.pending, [waiting.userId]);
    await expectVisible(relay, OPS_QUERIES.waitingForInstall, [waiting.userId]);
    await expectVisible(relay, OPS_QUERIES.user(dead.userId), [dead.userId]);
    await expectVisible(relay, `S2SApp = 'demo-ios'`, [fine.userId, dead.userId, stopped.userId]);
    await expectVisible(relay, `S2SState = 'idle' AND S2SDeadLetters = 0`, [fine.userId]);
    await expectVisible(relay, `S2SDeadLetters > 0 OR S2SState = 'lane stopped' OR S2SPending > 0`, [dead.userId, stopped.userId, waiting.userId]);
    expect((await usersWithDeadLetters(relay.client, 1000)).filter((u) => u.userId === dead.userId)).toEqual([
      { userId: dead.userId, workflowId: `s2s-user-${dead.userId}`, deadLetters: 1, state: 'idle', app: 'demo-ios' },
    ]);

    // Fix and redrive: the dead letter leaves the filter. The signup arrives: nothing pending any more.
    relay.emulator.setConfig(defaultEmulatorConfig);
    expect((await relay.client.redrive(dead.userId)).redriven).toHaveLength(1);
    await relay.client.signup(waiting);
    await statusWhen(relay, dead.userId, 'redriven and delivered', (s) => s.deadLetters.length === 0 && s.counters.delivered === 2);
    await statusWhen(relay, waiting.userId, 'delivered after signup', (s) => s.counters.delivered === 2);
    await expectVisible(relay, OPS_QUERIES.deadLetters, []);
    await expectVisible(relay, OPS_QUERIES.pending, []);
    await expectVisible(relay, `S2SState = 'idle' AND S2SDeadLetters = 0`, [fine.userId, dead.userId, waiting.userId]);
    await expectVisible(relay, `S2SApp = 'demo-ios'`, [fine.userId, dead.userId, stopped.userId, waiting.userId]);
  });
});
