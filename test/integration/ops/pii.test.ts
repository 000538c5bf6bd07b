// PII control (policy.showDeviceIds, default false): raw device ids, the AppsFlyer id, the IP and the
// customer user id stay out of everything the UI shows of a workflow to an operator who can decode it
// (static summary and details, current details, activity and timer summaries, search attributes: describe()
// and a scan of the decoded history), while they remain in the inputs the send activities need. With
// showDeviceIds: true the current details show them. With payload encryption on (the test run's key), the
// history as stored, which the UI's API hands to anyone, holds none of them, with either setting.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Signup } from '../../../domain/contract/install';
import { startRelay, testUserId, type RelayHarness } from '../../helpers/relay';
import { appsflyerId, iosInstall } from '../../helpers/users';
import { operatorView, purchaseRefundAndDeadLetter, signedUpUser, type OperatorView } from './ops-helpers';

const harnesses: RelayHarness[] = [];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});

async function relayWith(policy: Record<string, unknown>): Promise<RelayHarness> {
  const relay = await startRelay({ policy: { postInstallDelay: '1s', settleWindow: '100ms', ...policy } });
  harnesses.push(relay);
  return relay;
}

/** An install whose PII values are distinctive enough to search for. */
function piiInstall(): Signup & { pii: string[] } {
  const install = iosInstall({
    userId: testUserId('pii'),
    deviceIds: { idfa: randomUUID().toUpperCase(), idfv: randomUUID().toUpperCase() },
    appsflyerId: appsflyerId(),
    ip: '198.51.100.231',
    customerUserId: `cust-${randomUUID().slice(0, 8)}`,
  });
  return { ...install, pii: [install.deviceIds!.idfa!, install.deviceIds!.idfv!, install.appsflyerId!, install.ip!, install.customerUserId!] };
}

function shownTexts(view: OperatorView): Record<string, string> {
  return {
    staticSummary: view.staticSummary,
    staticDetails: view.staticDetails,
    currentDetails: view.currentDetails,
    searchAttributes: JSON.stringify(view.searchAttributes),
    historyMetadata: view.historyMetadata.join('\n'),
    historySearchAttributes: view.historySearchAttributes.join('\n'),
  };
}

describe('PII in what the Temporal UI shows', () => {
  it('by default (showDeviceIds: false) no device id, AppsFlyer id, IP or customer user id appears', async () => {
    const relay = await relayWith({});
    const { pii, ...install } = piiInstall();
    await signedUpUser(relay, install);
    await purchaseRefundAndDeadLetter(relay, install.userId);
    const view = await operatorView(relay, install.userId);

    // The scan looks at real content: summaries and search attributes are there, and the inputs (which the
    // send activities need) do hold the ids.
    // Six sends (purchase, refund, trial to each vendor), in three combined first attempts at least.
    expect(view.activitySummaries.flatMap((summary) => summary.split(' | ')).length).toBeGreaterThanOrEqual(6);
    expect(view.historySearchAttributes.length).toBeGreaterThan(3);
    expect(view.currentDetails).toContain('dead letter');
    for (const value of pii) expect(view.historyJson.toLowerCase()).toContain(value.toLowerCase());
    // As stored (what a reader without the codec server gets): encrypted, none of them in clear.
    expect(relay.encryption.enabled).toBe(true);
    expect(view.storedHistoryJson).toContain('binary/encrypted');
    for (const value of pii) expect(view.storedHistoryJson.toLowerCase(), `the stored history holds ${value}`).not.toContain(value.toLowerCase());

    for (const [surface, text] of Object.entries(shownTexts(view))) {
      for (const value of pii) {
        expect(text.toLowerCase().includes(value.toLowerCase()), `${surface} shows ${value}:\n${text}`).toBe(false);
      }
    }
  });

  it('with showDeviceIds: true the current details show the device ids, AppsFlyer id and IP (still not the summaries)', async () => {
    const relay = await relayWith({ showDeviceIds: true });
    const { pii, ...install } = piiInstall();
    await signedUpUser(relay, install);
    const view = await operatorView(relay, install.userId);
    for (const value of pii) expect(view.currentDetails).toContain(value);
    expect(view.currentDetails).toContain('device ids (policy.showDeviceIds)');
    for (const value of pii) expect(view.storedHistoryJson.toLowerCase(), `the stored history holds ${value}`).not.toContain(value.toLowerCase());
    for (const value of pii) {
      expect(view.staticSummary).not.toContain(value);
      expect(JSON.stringify(view.searchAttributes)).not.toContain(value);
    }
  });
});
