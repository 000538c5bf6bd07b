// Refunds on a real server: a refund sent before its purchase was delivered waits, then reaches AppsFlyer
// as negative revenue (Adjust gets the configured refund token without revenue); partial and multiple
// refunds up to the purchase amount; over-refunds and unknown purchases are rejected by the validator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayRejectedError } from '../../../client/errors';
import { purchase, refund, secondsAgo } from '../../helpers/events';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

let relay: RelayHarness;
beforeAll(async () => {
  relay = await startRelay({ policy: { postInstallDelay: '3s', orphanRefundHold: '3s' } });
});
afterAll(async () => {
  await relay?.stop();
});

const settled = (userId: string, n: number) =>
  waitFor(
    `${n} final outcomes for ${userId}`,
    async () => {
      const s = await relay.client.status(userId);
      return s.counters.delivered + s.counters.vendorDuplicates + s.counters.deadLettered + s.counters.skipped >= n && s.pending === 0 ? s : undefined;
    },
    30_000,
  );

/** The refusal's reason code and message (RelayRejectedError: the workflow refused a valid refund). */
const rejection = async (call: Promise<unknown>): Promise<string> => {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(RelayRejectedError);
    return `${(error as RelayRejectedError).reason}: ${(error as Error).message}`;
  }
  throw new Error('expected the update to be rejected');
};

describe('refunds', () => {
  it('holds a refund until its purchase reached AppsFlyer, then sends negative revenue; Adjust gets the refund token', async () => {
    const install = iosInstall({ installedAt: new Date().toISOString() });
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    const bought = await relay.client.track(purchase(install.userId, 'evt_buy', new Date().toISOString(), '9.99'));
    const refunded = await relay.client.refund(refund(install.userId, 'rf_1', 'evt_buy', '9.99', new Date(Date.now() + 10).toISOString()));
    expect(refunded.status).toBe('accepted');
    expect((await relay.client.status(install.userId)).state).toBe('gated');
    await settled(install.userId, 4);

    const afPurchase = relay.emulator.requests({ deliveryId: bought.deliveries.find((d) => d.destination === 'appsflyer')!.deliveryId })[0]!;
    const afRefund = relay.emulator.requests({ deliveryId: refunded.deliveries.find((d) => d.destination === 'appsflyer')!.deliveryId })[0]!;
    expect(afRefund.id).toBeGreaterThan(afPurchase.id);
    const body = afRefund.json as { eventName: string; eventValue: string };
    expect(body.eventName).toBe('cancel_purchase');
    expect(JSON.parse(body.eventValue)).toMatchObject({ af_revenue: '-9.99', af_currency: 'USD' });
    expect(afRefund.revenue).toBe('-9.99');

    const adjustRefund = relay.emulator.requests({ deliveryId: refunded.deliveries.find((d) => d.destination === 'adjust')!.deliveryId })[0]!;
    expect(adjustRefund.status).toBe(200);
    expect(adjustRefund.params?.event_token).toBe('r3fnd1');
    expect(adjustRefund.params?.revenue).toBeUndefined();
  });

  it('accepts partial and multiple refunds up to the purchase amount and rejects the rest', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    await relay.client.track(purchase(install.userId, 'evt_p', secondsAgo(60), '10.00'));
    expect((await relay.client.refund(refund(install.userId, 'rf_a', 'evt_p', '3.50', secondsAgo(30)))).status).toBe('accepted');
    expect((await relay.client.refund(refund(install.userId, 'rf_b', 'evt_p', '6.5', secondsAgo(20)))).status).toBe('accepted');
    const over = await rejection(relay.client.refund(refund(install.userId, 'rf_c', 'evt_p', '0.01', secondsAgo(10))));
    expect(over).toMatch(/^over-refund: .*exceeds what remains refundable of purchase "evt_p": 0 of 10.00 USD/);
    // The same refund id again is a duplicate, not an over-refund.
    expect((await relay.client.refund(refund(install.userId, 'rf_a', 'evt_p', '3.50', secondsAgo(30)))).status).toBe('duplicate');
    const unknown = await rejection(relay.client.refund(refund(install.userId, 'rf_d', 'evt_nope', '1', secondsAgo(10))));
    expect(unknown).toMatch(/^unknown-purchase: .*unknown purchase "evt_nope"/);
    const currency = await rejection(relay.client.refund(refund(install.userId, 'rf_e', 'evt_p', '1', secondsAgo(10), 'EUR')));
    expect(currency).toMatch(/^currency-mismatch: .*differs from purchase "evt_p" currency USD/);
    await settled(install.userId, 6);
    const negative = relay.emulator
      .requests({ vendor: 'appsflyer' })
      .filter((r) => (r.json as { appsflyer_id?: string })?.appsflyer_id === install.appsflyerId)
      .map((r) => r.revenue);
    expect(negative).toEqual(['10.00', '-3.5', '-6.5']);
  });

  it('holds a refund signal for a purchase not known yet, and adopts it when the purchase arrives', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    await relay.client.refundSignal(refund(install.userId, 'rf_orphan', 'evt_later', '1.00', secondsAgo(5)));
    const held = await waitFor('orphan refund held', async () => {
      const s = await relay.client.status(install.userId);
      return s.orphanRefunds === 1 ? s : undefined;
    });
    expect(held.pending).toBe(1);
    await relay.client.track(purchase(install.userId, 'evt_later', secondsAgo(10), '2.00'));
    const status = await settled(install.userId, 4);
    expect(status.counters.delivered).toBe(4);
    expect(status.orphanRefunds).toBe(0);
  });

  it('dead-letters a refund signal whose purchase never arrives, with the reason', async () => {
    const install = iosInstall();
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    await relay.client.refundSignal(refund(install.userId, 'rf_lost', 'evt_never', '1.00', secondsAgo(5)));
    const status = await waitFor(
      'orphan refund dead-lettered',
      async () => {
        const s = await relay.client.status(install.userId);
        return s.deadLetters.length === 1 ? s : undefined;
      },
      15_000,
    );
    expect(status.deadLetters[0]).toMatchObject({ kind: 'refund', messageId: 'rf_lost', id: expect.stringMatching(/^dlm_/) });
    // A dead letter's id is what redrive takes: the purchase still unknown, the refund is held for it again.
    const again = await relay.client.redrive(install.userId, [status.deadLetters[0]!.id]);
    expect(again.redriven).toEqual([status.deadLetters[0]!.id]);
    expect((await relay.client.status(install.userId)).orphanRefunds).toBe(1);
    expect(status.deadLetters[0]!.reason).toMatch(/unknown purchase "evt_never"/);
    expect(
      relay.emulator.requests({ vendor: 'appsflyer' }).filter((r) => (r.json as { appsflyer_id?: string })?.appsflyer_id === install.appsflyerId),
    ).toHaveLength(0);
  });
});
