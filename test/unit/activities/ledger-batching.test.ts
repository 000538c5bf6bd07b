// Concurrent sends share ledger statements: lookups and writes that arrive while one is in flight go
// together in the next one; each caller gets only its own answer, and a failure reaches every caller.
import { describe, expect, it } from 'vitest';
import { disabledLedger, LedgerUnavailableError, type LedgerAcceptance, type LedgerEntry } from '../../../activities/ledger/ledger';
import { BatchingLedger } from '../../../activities/ledger/batching';

function acceptance(id: string): LedgerAcceptance {
  return {
    vendor: 'appsflyer',
    userHash: 'u_1',
    receipt: { deliveryId: id, outcome: 'delivered', status: 200, answer: 'ok', attempt: 1, sentAt: '2026-12-02T00:00:00.000Z', durationMs: 3 },
  };
}

/** An in-memory ledger that records the statements it gets and answers them when told. */
function fakeLedger() {
  const rows = new Map<string, LedgerEntry>();
  const statements: string[][] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  let failNext = false;
  return {
    statements,
    rows,
    hold: (): void => {
      gate = new Promise((r) => (release = r));
    },
    open: () => release(),
    fail: () => (failNext = true),
    ledger: {
      ...disabledLedger(),
      async accepted(ids: readonly string[]) {
        statements.push(['lookup', ...ids]);
        await gate;
        if (failNext) throw new LedgerUnavailableError('fake', new Error('down'));
        return new Map(ids.filter((id) => rows.has(id)).map((id) => [id, rows.get(id) as LedgerEntry]));
      },
      async record(list: readonly LedgerAcceptance[]) {
        statements.push(['record', ...list.map((a) => a.receipt.deliveryId)]);
        await gate;
        for (const a of list) rows.set(a.receipt.deliveryId, { ...a, recordedAtMs: 0 });
      },
    },
  };
}

describe('BatchingLedger', () => {
  it('starts lookups made in the same tick together (the vendors of one combined attempt): one statement', async () => {
    const fake = fakeLedger();
    fake.rows.set('b', { ...acceptance('b'), recordedAtMs: 0 });
    const ledger = new BatchingLedger(fake.ledger);
    const [adjust, appsflyer] = await Promise.all([ledger.accepted(['a']), ledger.accepted(['b'])]);
    expect([...adjust.keys()]).toEqual([]);
    expect([...appsflyer.keys()]).toEqual(['b']);
    expect(fake.statements).toEqual([['lookup', 'a', 'b']]);
  });

  it('merges lookups that arrive while one is in flight, answering each caller with its own deliveries', async () => {
    const fake = fakeLedger();
    fake.rows.set('b', { ...acceptance('b'), recordedAtMs: 0 });
    const ledger = new BatchingLedger(fake.ledger);
    fake.hold();
    const first = ledger.accepted(['a']);
    await Promise.resolve(); // the first statement starts at the end of its tick
    const second = ledger.accepted(['b', 'c']);
    const third = ledger.accepted(['b']);
    fake.open();
    expect([...(await first).keys()]).toEqual([]);
    expect([...(await second).keys()]).toEqual(['b']);
    expect([...(await third).keys()]).toEqual(['b']);
    expect(fake.statements).toEqual([
      ['lookup', 'a'],
      ['lookup', 'b', 'c'],
    ]);
    expect(ledger.lookups.calls).toBe(2);
  });

  it('merges writes the same way, resolving each only once its statement is done', async () => {
    const fake = fakeLedger();
    const ledger = new BatchingLedger(fake.ledger);
    fake.hold();
    const first = ledger.record([acceptance('a')]);
    await Promise.resolve(); // in flight: what follows waits for the next statement
    const writes = [first, ledger.record([acceptance('b')]), ledger.record([acceptance('c'), acceptance('d')])];
    let done = 0;
    for (const w of writes) void w.then(() => (done += 1));
    await Promise.resolve();
    expect(done).toBe(0);
    fake.open();
    await Promise.all(writes);
    expect(fake.statements).toEqual([
      ['record', 'a'],
      ['record', 'b', 'c', 'd'],
    ]);
    expect([...fake.rows.keys()]).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails every caller of a failed statement', async () => {
    const fake = fakeLedger();
    const ledger = new BatchingLedger(fake.ledger);
    fake.hold();
    fake.fail();
    const first = ledger.accepted(['a']);
    const second = ledger.accepted(['b']);
    fake.open();
    await expect(first).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(second).rejects.toBeInstanceOf(LedgerUnavailableError);
  });
});
