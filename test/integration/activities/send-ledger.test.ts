// The send activities with the delivery ledger, on a real Temporal worker against the vendor emulator:
// a delivery the ledger records as accepted is never sent again (answered with its original receipt,
// flagged), acceptances are in the ledger when the activity returns, and a ledger that cannot answer stops
// the send (retryable, nothing sent blind) while one that cannot record keeps what the vendor accepted.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LedgerUnavailableError, type DeliveryLedger } from '../../../activities/ledger/ledger';
import { SendFailureType } from '../../../domain/errors';
import { userHash } from '../../../domain/ids';
import { testLedger } from '../../helpers/ledger';
import { batch, sendItem, startSendHarness, user, type SendHarness } from './send-harness';

/** The shared test ledger with its lookups or writes failing while `broken` says so. */
class FlakyLedger implements DeliveryLedger {
  brokenLookups = 0;
  brokenWrites = false;
  lookups = 0;
  writes = 0;
  constructor(private readonly inner: DeliveryLedger) {}
  get description() {
    return 'flaky test ledger';
  }
  async accepted(ids: readonly string[]) {
    this.lookups += 1;
    if (this.brokenLookups > 0) {
      this.brokenLookups -= 1;
      throw new LedgerUnavailableError(this.description, new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    }
    return this.inner.accepted(ids);
  }
  async record(acceptances: Parameters<DeliveryLedger['record']>[0]) {
    this.writes += 1;
    if (this.brokenWrites) throw new LedgerUnavailableError(this.description, new Error('terminating connection due to administrator command'));
    return this.inner.record(acceptances);
  }
  expire = (ms: number) => this.inner.expire(ms);
  forgetUser = (hash: string) => this.inner.forgetUser(hash);
  close = async () => undefined;
}

let h: SendHarness;
let ledger: FlakyLedger;
beforeAll(async () => {
  ledger = new FlakyLedger(await testLedger());
  h = await startSendHarness({ ledger });
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.emulator.reset({ config: true });
  ledger.brokenLookups = 0;
  ledger.brokenWrites = false;
});

describe('send activities with the delivery ledger', () => {
  it('records every acceptance before the activity returns, with the user hash only', async () => {
    const u = user(h.emulator, 'ios');
    const items = [sendItem(u, 'adjust'), sendItem(u, 'adjust', { name: 'renewal', occurredAtMs: Date.now() - 30_000 })];
    const outcome = await h.probe('adjust', batch(u, items));
    expect(outcome.ok).toBe(true);
    // No waiting: the activity's result is only delivered after the ledger write completed.
    const found = await ledger.accepted(items.map((i) => i.deliveryId));
    expect([...found.keys()].sort()).toEqual(items.map((i) => i.deliveryId).sort());
    for (const entry of found.values())
      expect(entry).toMatchObject({ vendor: 'adjust', userHash: userHash(u.userId), receipt: { outcome: 'delivered', status: 200, attempt: 1 } });
  });

  it('does not send again what the ledger records as accepted: original receipts, flagged, in batch order', async () => {
    const u = user(h.emulator, 'android');
    const first = [sendItem(u, 'appsflyer'), sendItem(u, 'appsflyer', { occurredAtMs: Date.now() - 30_000 })];
    const sent = await h.probe('appsflyer', batch(u, first));
    expect(sent.ok).toBe(true);
    if (!sent.ok) return;
    // A reset or redrive hands the same deliveries (and a new one) to a new activity.
    const later = sendItem(u, 'appsflyer', { occurredAtMs: Date.now() - 20_000 });
    const again = await h.probe('appsflyer', batch(u, [...first, later]));
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    expect(again.result.receipts.map((r) => [r.deliveryId, r.outcome, r.fromLedger ?? false])).toEqual([
      [first[0]?.deliveryId, 'delivered', true],
      [first[1]?.deliveryId, 'delivered', true],
      [later.deliveryId, 'delivered', false],
    ]);
    expect(again.result.receipts.slice(0, 2).map(({ fromLedger: _flag, ...r }) => r)).toEqual(sent.result.receipts);
    const requests = h.emulator.requests({ vendor: 'appsflyer' });
    expect(requests.map((r) => r.deliveryId)).toEqual([first[0]?.deliveryId, first[1]?.deliveryId, later.deliveryId]);
  });

  it('sends nothing while the ledger cannot answer, and sends once when it is back', async () => {
    const u = user(h.emulator, 'ios');
    const item = sendItem(u, 'adjust');
    ledger.brokenLookups = 2;
    const outcome = await h.probe('adjust', batch(u, [item]));
    expect(outcome.ok).toBe(true);
    expect(ledger.brokenLookups).toBe(0);
    expect(h.emulator.requests({ deliveryId: item.deliveryId })).toHaveLength(1);
    if (outcome.ok) expect(outcome.result.receipts[0]?.attempt).toBe(3);
  });

  it('fails the attempt as retryable with a clear message when the ledger stays unreachable', async () => {
    const u = user(h.emulator, 'ios');
    const item = sendItem(u, 'adjust');
    ledger.brokenLookups = 1_000;
    const outcome = await h.probe('adjust', batch(u, [item]), {
      retry: { initialInterval: 100, backoffCoefficient: 1, maximumInterval: 100, maximumAttempts: 2 },
    });
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.transient, nonRetryable: false, details: { deliveryId: item.deliveryId, attempt: 2 } });
    if (outcome.ok) return;
    expect(outcome.message).toContain(
      'delivery ledger (flaky test ledger) unavailable: connect ECONNREFUSED 127.0.0.1:5432; nothing was sent (a duplicate costs real money, a delay does not)',
    );
    expect(h.emulator.requests()).toHaveLength(0);
  });

  it('keeps what the vendor accepted when the ledger cannot record it, and sends no more once it knows', async () => {
    const u = user(h.emulator, 'ios');
    const items = [0, 1, 2].map((i) => sendItem(u, 'adjust', { name: i === 0 ? 'purchase' : 'renewal', occurredAtMs: Date.now() - 60_000 + i * 10_000 }));
    // A vendor slower than the failing write: the failure is known before the second answer comes back.
    h.emulator.setFaults({ adjust: { slow: 1, slowMs: 300 } });
    ledger.brokenWrites = true;
    const writesBefore = ledger.writes;
    const outcome = await h.probe('adjust', batch(u, items));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.receipts.map((r) => r.deliveryId)).toEqual([items[0]?.deliveryId, items[1]?.deliveryId]);
    expect(outcome.result.stoppedAt).toBe(2);
    expect(outcome.result.stopReason).toMatch(/^delivery ledger \(flaky test ledger\) unavailable: terminating connection/);
    expect(h.emulator.requests().map((r) => r.deliveryId)).toEqual([items[0]?.deliveryId, items[1]?.deliveryId]);
    expect(ledger.writes - writesBefore).toBe(2); // the first acceptance's write, then one more try (with both) before returning
    expect((await ledger.accepted(items.map((i) => i.deliveryId))).size).toBe(0);
  });
});
