// Many users dead-lettered at once, as one expired or deleted token does it in production: the emulator stops
// knowing the demo apps' trial event token, every trial sent to Adjust is rejected (400 Invalid event token)
// and dead-lettered; AppsFlyer still takes it. Users are created with signals (signal-with-start), a bounded
// number at a time, and counted through visibility.
import { randomUUID } from 'node:crypto';
import type { Signup } from '../../../domain/contract/install';
import { SA } from '../../../domain/search-attributes';
import { secondsAgo } from '../../helpers/events';
import { testUserId, waitFor, type RelayHarness } from '../../helpers/relay';
import { appsflyerId, iosInstall, registerInstall } from '../../helpers/users';

export type DemoApp = 'demo-ios' | 'demo-android';

const TRIAL = { 'demo-ios': { appToken: '4w565xzmb54d', token: 'tr1al1' }, 'demo-android': { appToken: '2fm6y3pm9ahs', token: 'tr1al2' } } as const;

/** Makes Adjust reject the app's trial token (400 Invalid event token). */
export function breakTrial(relay: RelayHarness, app: DemoApp): void {
  relay.emulator.updateConfig({ adjustApps: [{ appToken: TRIAL[app].appToken, eventTokens: { [TRIAL[app].token]: null } }] });
}

export function androidInstall(): Signup {
  return {
    userId: testUserId('android'),
    app: 'demo-android',
    installedAt: new Date(Date.now() - 3_600_000).toISOString(),
    platform: 'android',
    deviceIds: { gps_adid: randomUUID() },
    appsflyerId: appsflyerId(),
    osVersion: '14',
    trackingEnabled: true,
    ip: '203.0.113.9',
  };
}

/** Runs `fn` over `items`, `limit` at a time. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/** Counts the harness's users a visibility query finds (eventually consistent). */
export function countUsers(relay: RelayHarness, query: string): Promise<number> {
  return relay.temporal.workflow.count(`(${query}) AND TaskQueue = '${relay.taskQueue}'`).then((c) => c.count);
}

/**
 * `n` new users of `app`, each with one trial event that Adjust rejects (the caller broke the token with
 * breakTrial): signed up and tracked by signal, then waited for until visibility counts their dead letters.
 */
export async function deadLetteredUsers(relay: RelayHarness, n: number, app: DemoApp = 'demo-ios', timeoutMs = 240_000): Promise<string[]> {
  const before = await countUsers(relay, `${SA.deadLetters.name} > 0`);
  const installs = Array.from({ length: n }, () => (app === 'demo-ios' ? iosInstall() : androidInstall()));
  for (const install of installs) registerInstall(relay.emulator, install);
  await eachLimit(installs, 16, async (install) => {
    await relay.client.signupSignal(install);
    await relay.client.trackSignal({ userId: install.userId, eventId: `evt_trial_${install.userId}`, name: 'trial', occurredAt: secondsAgo(30) });
  });
  await waitFor(
    `${n} users of ${app} dead-lettered (visibility)`,
    async () => (await countUsers(relay, `${SA.deadLetters.name} > 0`)) >= before + n,
    timeoutMs,
    500,
  );
  return installs.map((i) => i.userId);
}
