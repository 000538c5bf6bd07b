// The visibility queries operators type into the Temporal UI's filter (and `s2s dead-letters` runs) return
// exactly the users needing attention, and follow each workflow as it runs: a dead letter appears and goes
// away with its redrive, a stopped lane shows, events waiting for a signup count as pending until it arrives.
// Scoped to this harness's task queue (the test server is shared); visibility is eventually consistent: polled.
// The README's filter table shows the same query texts as OPS_QUERIES.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPS_QUERIES, usersWithDeadLetters } from '../../../client/ops-queries';
import { defaultEmulatorConfig } from '../../../emulator/config';
import { PROJECT_ROOT } from '../../../worker/paths';
import { purchase, secondsAgo } from '../../helpers/events';
import { startRelay, testUserId, type RelayHarness } from '../../helpers/relay';
import { appsflyerId, iosInstall, registerInstall } from '../../helpers/users';
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
    // Five users: all fine; a dead letter (Adjust rejects the trial token); a stopped lane (device opted
    // out at Adjust: 451); events waiting for a signup that has not arrived; a stopped lane in the other app.
    breakTrialToken(relay);
    const fine = await signedUpUser(relay);
    const dead = await signedUpUser(relay);
    const stopped = iosInstall();
    registerInstall(relay.emulator, stopped);
    const android = iosInstall({
      userId: testUserId('ops-android'),
      app: 'demo-android',
      platform: 'android',
      deviceIds: { gps_adid: randomUUID() },
      appsflyerId: appsflyerId(),
      attStatus: undefined,
    });
    registerInstall(relay.emulator, android);
    relay.emulator.updateConfig({ optedOutDevices: [stopped.deviceIds!.idfa!, android.deviceIds!.gps_adid!] });
    await relay.client.signup(stopped);
    await relay.client.signup(android);
    const waiting = iosInstall({ userId: testUserId('ops-wait') });
    registerInstall(relay.emulator, waiting);

    await relay.client.track(purchase(fine.userId, 'evt_fine', secondsAgo(10)));
    await relay.client.track({ userId: dead.userId, eventId: 'evt_trial', name: 'trial', occurredAt: secondsAgo(10) });
    await relay.client.track(purchase(stopped.userId, 'evt_optout', secondsAgo(10)));
    await relay.client.track(purchase(android.userId, 'evt_optout_android', secondsAgo(10)));
    await relay.client.trackSignal(purchase(waiting.userId, 'evt_early', secondsAgo(10)));
    await statusWhen(relay, fine.userId, 'delivered', (s) => s.counters.delivered === 2);
    await statusWhen(relay, dead.userId, 'dead letter', (s) => s.deadLetters.length === 1 && s.pending === 0);
    await statusWhen(relay, stopped.userId, 'lane stopped', (s) => s.state === 'lane stopped' && s.pending === 0);
    await statusWhen(relay, android.userId, 'lane stopped (android)', (s) => s.state === 'lane stopped' && s.pending === 0);
    await statusWhen(relay, waiting.userId, 'held', (s) => s.held === 1);

    await expectVisible(relay, OPS_QUERIES.deadLetters, [dead.userId]);
    await expectVisible(relay, OPS_QUERIES.laneStopped, [stopped.userId, android.userId]);
    await expectVisible(relay, OPS_QUERIES.pending, [waiting.userId]);
    await expectVisible(relay, OPS_QUERIES.waitingForInstall, [waiting.userId]);
    await expectVisible(relay, OPS_QUERIES.user(dead.userId), [dead.userId]);
    await expectVisible(relay, `S2SApp = 'demo-ios'`, [fine.userId, dead.userId, stopped.userId]);
    await expectVisible(relay, `S2SState = 'ok' AND S2SDeadLetters = 0`, [fine.userId]);
    await expectVisible(relay, OPS_QUERIES.needsAttention, [dead.userId, stopped.userId, android.userId, waiting.userId]);
    // One app only: the OR must be parenthesised. Without the parentheses AND binds to the last term only,
    // and the other app's user with a dead letter slips in.
    await expectVisible(relay, OPS_QUERIES.inApp(OPS_QUERIES.needsAttention, 'demo-ios'), [dead.userId, stopped.userId]);
    await expectVisible(relay, OPS_QUERIES.inApp(OPS_QUERIES.needsAttention, 'demo-android'), [android.userId]);
    await expectVisible(relay, `${OPS_QUERIES.needsAttention} AND S2SApp = 'demo-android'`, [dead.userId, android.userId]);
    expect((await usersWithDeadLetters(relay.client, 1000)).filter((u) => u.userId === dead.userId)).toEqual([
      { userId: dead.userId, workflowId: `s2s-user-${dead.userId}`, deadLetters: 1, state: 'ok', app: 'demo-ios' },
    ]);

    // Fix and redrive: the dead letter leaves the filter. The signup arrives: nothing pending any more.
    relay.emulator.setConfig(defaultEmulatorConfig);
    expect((await relay.client.redrive(dead.userId)).redriven).toHaveLength(1);
    await relay.client.signup(waiting);
    await statusWhen(relay, dead.userId, 'redriven and delivered', (s) => s.deadLetters.length === 0 && s.counters.delivered === 2);
    await statusWhen(relay, waiting.userId, 'delivered after signup', (s) => s.counters.delivered === 2);
    await expectVisible(relay, OPS_QUERIES.deadLetters, []);
    await expectVisible(relay, OPS_QUERIES.pending, []);
    await expectVisible(relay, `S2SState = 'ok' AND S2SDeadLetters = 0`, [fine.userId, dead.userId, waiting.userId]);
    await expectVisible(relay, `S2SApp = 'demo-ios'`, [fine.userId, dead.userId, stopped.userId, waiting.userId]);
    await expectVisible(relay, OPS_QUERIES.inApp(OPS_QUERIES.needsAttention, 'demo-ios'), [stopped.userId]);
  });

  it("are the queries the README's filter table shows", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### The filters operators use'), readme.indexOf('### Find a user'));
    const cells = new Set(
      table
        .split('\n')
        .filter((l) => l.startsWith('| '))
        .flatMap((l) => [...l.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string)),
    );
    for (const query of [
      OPS_QUERIES.deadLetters,
      OPS_QUERIES.laneStopped,
      OPS_QUERIES.pending,
      OPS_QUERIES.waitingForInstall,
      OPS_QUERIES.needsAttention,
      OPS_QUERIES.inApp(OPS_QUERIES.needsAttention, 'demo-ios'),
    ]) {
      expect(cells, query).toContain(query);
    }
    // Every query that narrows an OR to one app parenthesises the OR.
    for (const cell of cells) if (/ OR /.test(cell) && / AND S2SApp/.test(cell)) expect(cell, cell).toMatch(/^\(.* OR .*\) AND S2SApp = '[^']+'$/);
  });
});
