// The send activities on a real Temporal worker against the vendor emulator: each class of answer that
// ends a send at once (delivered, duplicate, rejected, invalid request, opted out), batch semantics, and
// that no secret, raw device id or IP reaches a workflow history or a log line.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SendFailureType } from '../../../domain/errors';
import { userHash } from '../../../domain/ids';
import { ADJUST_S2S_TOKEN, AF_KEY } from './fixtures';
import { batch, decryptedHistory, historyText, sendItem, sleep, startSendHarness, user, WRONG_AF_KEY, type SendHarness } from './send-harness';

let h: SendHarness;
beforeAll(async () => {
  h = await startSendHarness();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.emulator.reset({ config: true });
});

describe('Adjust', () => {
  it('delivers a batch in order, one request each, with the delivery id as a callback parameter', async () => {
    const u = user(h.emulator, 'ios');
    const items = [sendItem(u, 'adjust'), sendItem(u, 'adjust', { name: 'renewal', occurredAtMs: Date.now() - 30_000 })];
    const outcome = await h.probe('adjust', batch(u, items));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.stoppedAt).toBeUndefined();
    expect(outcome.result.receipts.map((r) => [r.deliveryId, r.outcome, r.status, r.attempt])).toEqual(items.map((i) => [i.deliveryId, 'delivered', 200, 1]));
    expect(outcome.result.receipts[0]?.answer).toBe('{"status":"OK"}');
    const recorded = h.emulator.requests({ vendor: 'adjust' });
    expect(recorded.map((r) => [r.deliveryId, r.outcome, r.params?.event_token])).toEqual([
      [items[0]?.deliveryId, 'accepted', 'p4rch1'],
      [items[1]?.deliveryId, 'accepted', 'r3new1'],
    ]);
  });

  it('authenticates with the S2S token (Authorization: Bearer) where security is on', async () => {
    const u = user(h.emulator, 'android');
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust')]));
    expect(outcome.ok).toBe(true);
    expect(h.emulator.requests({ vendor: 'adjust' })[0]?.headers.authorization).toBe(`Bearer ${ADJUST_S2S_TOKEN}`);
  });

  it('counts a repeated unique event as a duplicate, not an error', async () => {
    const u = user(h.emulator, 'ios');
    const items = [
      sendItem(u, 'adjust', { name: 'signup', revenue: undefined, currency: undefined }),
      sendItem(u, 'adjust', { name: 'signup', revenue: undefined, currency: undefined }),
    ];
    const outcome = await h.probe('adjust', batch(u, items));
    expect(outcome.ok && outcome.result.receipts.map((r) => [r.outcome, r.status])).toEqual([
      ['delivered', 200],
      ['duplicate', 400],
    ]);
  });

  it('dead-letters a rejected event at once (non-retryable, one request) with status and message', async () => {
    const u = user(h.emulator, 'ios');
    const it1 = sendItem(u, 'adjust', { name: 'broken', revenue: undefined, currency: undefined });
    const outcome = await h.probe('adjust', batch(u, [it1]));
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.rejected, nonRetryable: true });
    if (outcome.ok) return;
    expect(outcome.details).toMatchObject({ deliveryId: it1.deliveryId, status: 400, attempt: 1 });
    expect(outcome.details?.message).toContain('Invalid event token');
    await sleep(300);
    expect(h.emulator.requests({ vendor: 'adjust' })).toHaveLength(1);
  });

  it('refuses an invalid request without sending anything', async () => {
    const u = user(h.emulator, 'ios');
    const it1 = sendItem(u, 'adjust', { revenue: '0.0001' });
    const outcome = await h.probe('adjust', batch(u, [it1]));
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.invalidRequest, nonRetryable: true, details: { deliveryId: it1.deliveryId, attempt: 1 } });
    expect(h.emulator.requests()).toHaveLength(0);
  });

  it('stops the lane for an opted-out device (451, non-retryable)', async () => {
    const u = user(h.emulator, 'ios');
    h.emulator.setConfig({ ...h.emulator.getConfig(), optedOutDevices: [u.deviceIds!.idfa as string] });
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust')]));
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.optedOut, nonRetryable: true, details: { status: 451 } });
    expect(h.emulator.requests({ vendor: 'adjust' })).toHaveLength(1);
  });

  it('returns the accepted prefix when a later item fails, and sends nothing after it', async () => {
    const u = user(h.emulator, 'ios');
    const items = [
      sendItem(u, 'adjust'),
      sendItem(u, 'adjust', { name: 'broken', revenue: undefined, currency: undefined }),
      sendItem(u, 'adjust', { name: 'renewal' }),
    ];
    const outcome = await h.probe('adjust', batch(u, items));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.receipts.map((r) => r.deliveryId)).toEqual([items[0]?.deliveryId]);
    expect(outcome.result.stoppedAt).toBe(1);
    expect(outcome.result.stopReason).toMatch(/^rejected: Adjust 400: .*Invalid event token/);
    const sent = h.emulator.requests({ vendor: 'adjust' }).map((r) => JSON.parse(r.params?.callback_params ?? '{}').s2s_delivery_id);
    expect(sent).toEqual([items[0]?.deliveryId, items[1]?.deliveryId]);
    // A first attempt: nothing after the prefix can have reached Adjust, and the refusal was an answer.
    expect(outcome.result.possiblyAccepted).toBeUndefined();
  });

  it('names the items an earlier attempt may have delivered when a retried batch stops early', async () => {
    h.emulator.setFaults({ adjust: { error5xx: 1, count: 1 } });
    const u = user(h.emulator, 'ios');
    const items = [
      sendItem(u, 'adjust'),
      sendItem(u, 'adjust', { name: 'broken', revenue: undefined, currency: undefined }),
      sendItem(u, 'adjust', { name: 'renewal' }),
    ];
    const outcome = await h.probe('adjust', batch(u, items), { retry: { initialInterval: 100, backoffCoefficient: 1, maximumInterval: 100 } });
    expect(outcome.ok && outcome.result.receipts.map((r) => [r.deliveryId, r.attempt])).toEqual([[items[0]?.deliveryId, 2]]);
    expect(outcome.ok && outcome.result.stoppedAt).toBe(1);
    // Attempt 2 stopped at the second item; attempt 1's fate is unknown to it, so items 2 and 3 may be at Adjust.
    expect(outcome.ok && outcome.result.possiblyAccepted).toEqual([items[1]?.deliveryId, items[2]?.deliveryId]);
  });

  it('names resends (items an earlier activity may have delivered) even on a first attempt', async () => {
    const u = user(h.emulator, 'ios');
    const items = [
      sendItem(u, 'adjust'),
      sendItem(u, 'adjust', { name: 'broken', revenue: undefined, currency: undefined, resend: true }),
      sendItem(u, 'adjust', { name: 'renewal' }),
    ];
    const outcome = await h.probe('adjust', batch(u, items));
    expect(outcome.ok && outcome.result.stoppedAt).toBe(1);
    expect(outcome.ok && outcome.result.possiblyAccepted).toEqual([items[1]?.deliveryId]);
  });

  it('treats an app missing from the worker configuration as misconfigured (retryable)', async () => {
    const u = user(h.emulator, 'ios');
    const outcome = await h.probe('adjust', batch(u, [sendItem(u, 'adjust')], 'not-configured'), {
      retry: { initialInterval: 100, backoffCoefficient: 1, maximumInterval: 100, maximumAttempts: 1 },
    });
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.misconfigured, nonRetryable: false });
    if (!outcome.ok) expect(outcome.message).toContain('app "not-configured" is not in the worker\'s app configuration');
  });
});

describe('AppsFlyer', () => {
  it('delivers with the key header and the delivery id in eventValue', async () => {
    const u = user(h.emulator, 'ios');
    const it1 = sendItem(u, 'appsflyer');
    const outcome = await h.probe('appsflyer', batch(u, [it1]));
    expect(outcome.ok && outcome.result.receipts.map((r) => [r.deliveryId, r.outcome, r.status, r.answer])).toEqual([[it1.deliveryId, 'delivered', 200, 'OK']]);
    const [recorded] = h.emulator.requests({ vendor: 'appsflyer' });
    expect(recorded).toMatchObject({ deliveryId: it1.deliveryId, outcome: 'attributed', revenue: '4.99', path: '/appsflyer/inappevent/id1234567890' });
    expect(recorded?.headers.authentication).toBe(AF_KEY);
  });

  it('sends a refund as negative revenue', async () => {
    const u = user(h.emulator, 'android');
    const outcome = await h.probe('appsflyer', batch(u, [sendItem(u, 'appsflyer', { kind: 'refund', revenue: '1.5' })]));
    expect(outcome.ok).toBe(true);
    const [recorded] = h.emulator.requests({ vendor: 'appsflyer' });
    expect(recorded?.revenue).toBe('-1.5');
    expect(recorded?.eventKey).toBe('cancel_purchase');
  });

  it('refuses a user without an AppsFlyer id (invalid request, nothing sent)', async () => {
    const u = user(h.emulator, 'ios', { overrides: { appsflyerId: undefined } });
    const outcome = await h.probe('appsflyer', batch(u, [sendItem(u, 'appsflyer')]));
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.invalidRequest, nonRetryable: true });
    if (!outcome.ok) expect(outcome.details?.message).toContain('AppsFlyer requires it');
    expect(h.emulator.requests()).toHaveLength(0);
  });

  it('dead-letters on a Zero Package plan (403 Forbidden)', async () => {
    const cfg = h.emulator.getConfig();
    h.emulator.setConfig({ ...cfg, appsflyerApps: cfg.appsflyerApps.map((a) => ({ ...a, zeroPackage: true })) });
    const u = user(h.emulator, 'ios');
    const outcome = await h.probe('appsflyer', batch(u, [sendItem(u, 'appsflyer')]));
    expect(outcome).toMatchObject({ ok: false, type: SendFailureType.rejected, nonRetryable: true, details: { status: 403 } });
  });
});

describe('secrets and logs', () => {
  it('no secret, raw device id or IP in any probe history; logs carry the structured fields', async () => {
    // One more send with the wrong key, so the wrong key also meets a vendor answer and a failure.
    const u = user(h.emulator, 'ios');
    const wrong = await h.probe('appsflyer', batch(u, [sendItem(u, 'appsflyer')], 'wrong-key'), {
      retry: { initialInterval: 100, backoffCoefficient: 1, maximumInterval: 100, maximumAttempts: 1 },
    });
    expect(wrong).toMatchObject({ ok: false, type: SendFailureType.misconfigured, details: { status: 401 } });

    expect(h.workflowIds.length).toBeGreaterThan(10);
    for (const id of h.workflowIds) {
      const history = historyText(await decryptedHistory(h, id));
      // Positive control: the decoded history does hold the probe's input (so the search below can fail).
      expect(history).toContain('"deliveryId":"dlv_');
      for (const secret of [AF_KEY, ADJUST_S2S_TOKEN, WRONG_AF_KEY]) expect(history, `${id} holds a secret`).not.toContain(secret);
    }

    const sendLogs = h.logs.filter((e) => e.message.startsWith('s2s '));
    expect(sendLogs.length).toBeGreaterThan(10);
    const text = JSON.stringify(sendLogs, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    for (const secret of [AF_KEY, ADJUST_S2S_TOKEN, WRONG_AF_KEY, u.deviceIds!.idfa as string, u.appsflyerId as string, '203.0.113.77'])
      expect(text).not.toContain(secret);
    for (const entry of sendLogs.filter((e) => e.message !== 's2s batch stopped early')) {
      expect(Object.keys(entry.meta ?? {})).toEqual(
        expect.arrayContaining(['deliveryId', 'vendor', 'app', 'userHash', 'messageId', 'status', 'class', 'attempt', 'durationMs']),
      );
    }
    const misconfigured = sendLogs.find((e) => e.meta?.class === 'misconfigured' && e.meta?.app === 'wrong-key');
    expect(misconfigured?.level).toBe('ERROR');
    expect(misconfigured?.meta?.userHash).toBe(userHash(u.userId));
  });
});
