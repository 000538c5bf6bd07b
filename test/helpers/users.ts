// Test users: install contexts for the demo apps, registered with the emulator as real installs.
import { randomInt, randomUUID } from 'node:crypto';
import type { Signup } from '../../domain/contract/install';
import type { Emulator } from '../../emulator/server';
import { testUserId, type RelayHarness } from './relay';

export function appsflyerId(): string {
  return `${Date.now()}-${String(randomInt(1_000_000, 9_999_999))}`;
}

export function iosInstall(overrides: Partial<Signup> = {}): Signup {
  return {
    userId: testUserId('ios'),
    app: 'demo-ios',
    installedAt: new Date(Date.now() - 3_600_000).toISOString(),
    platform: 'ios',
    deviceIds: { idfa: randomUUID().toUpperCase(), idfv: randomUUID().toUpperCase() },
    appsflyerId: appsflyerId(),
    customerUserId: 'cust-1',
    ip: '203.0.113.7',
    osVersion: '17.1',
    attStatus: 3,
    ...overrides,
  };
}

/** Tells the emulator the device was installed (and processed by the vendors) at installedAt. */
export function registerInstall(emulator: Emulator, install: Signup, processingDelayMs = 0): void {
  emulator.registerInstall({
    appsflyerId: install.appsflyerId,
    deviceIds: install.deviceIds as Record<string, string>,
    installedAt: install.installedAt,
    processingDelayMs,
  });
}

/** A signed-up iOS user known to the emulator (an hour-old install unless `overrides` say otherwise). */
export async function signedUpUser(relay: RelayHarness, overrides: Partial<Signup> = {}): Promise<Signup> {
  const install = iosInstall(overrides);
  registerInstall(relay.emulator, install);
  await relay.client.signup(install);
  return install;
}
