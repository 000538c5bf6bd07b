// The delivery ledger against both of its stores: the embedded PGlite (a temporary directory) and this
// machine's PostgreSQL (a database of its own, created and dropped here; S2S_TEST_POSTGRES_URL names the
// server, default postgres://postgres@127.0.0.1:5432/postgres). Same suite on both: lookup and record in
// one round trip each, first acceptance wins, expiry, forget a user, idempotent schema; then what only one
// store has: the embedded lock, and errors when PostgreSQL cannot be reached.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LedgerUnavailableError, ledgerRetentionMs, type LedgerAcceptance } from '../../../activities/ledger/ledger';
import { ensureLedgerSchema, LEDGER_TABLE, type SqlLedger } from '../../../activities/ledger/sql';
import { describePostgresUrl, openEmbeddedLedger, openPostgresLedger } from '../../../activities/ledger/stores';
import type { DeliveryReceipt } from '../../../domain/delivery';
import { userHash } from '../../../domain/ids';
import { disabledLedger } from '../../../activities/ledger/ledger';
import { startLedgerExpiry } from '../../../worker/ledger';

const SERVER_URL = process.env.S2S_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function acceptance(user: string, overrides: Partial<DeliveryReceipt> = {}): LedgerAcceptance {
  return {
    vendor: 'adjust',
    userHash: userHash(user),
    receipt: {
      deliveryId: `dlv_adj_${randomUUID()}`,
      outcome: 'delivered',
      status: 200,
      answer: '{"status":"OK"}',
      attempt: 1,
      sentAt: new Date().toISOString(),
      durationMs: 12,
      ...overrides,
    },
  };
}

interface Store {
  open(): Promise<SqlLedger>;
  cleanup(): Promise<void>;
}

function embeddedStore(): Store {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-ledger-'));
  return { open: () => openEmbeddedLedger(dir), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function postgresStore(): Store {
  const database = `s2s_ledger_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const url = new URL(SERVER_URL);
  const admin = () => new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 5_000 });
  let created: Promise<void> | undefined;
  return {
    async open() {
      created ??= (async () => {
        const client = admin();
        await client.connect().catch((error: unknown) => {
          throw new Error(
            `this test needs the PostgreSQL at ${describePostgresUrl(SERVER_URL)} (set S2S_TEST_POSTGRES_URL to another one): ${(error as Error).message}`,
          );
        });
        await client.query(`CREATE DATABASE ${database}`);
        await client.end();
      })();
      await created;
      url.pathname = `/${database}`;
      return openPostgresLedger(url.toString());
    },
    async cleanup() {
      if (!created) return;
      const client = admin();
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.end();
    },
  };
}

describe.each([
  ['embedded PGlite', embeddedStore],
  ['PostgreSQL', postgresStore],
])('delivery ledger on %s', (_name, makeStore) => {
  const store = makeStore();
  let ledger: SqlLedger;
  beforeAll(async () => {
    ledger = await store.open();
  });
  afterAll(async () => {
    await ledger?.close();
    await store.cleanup();
  });

  it('answers a lookup with the original receipts of the accepted ones only', async () => {
    const a = acceptance('alice', { answer: 'ok', status: 200, attempt: 3, durationMs: 41.6 });
    const b = acceptance('alice', {
      outcome: 'duplicate',
      status: 400,
      answer: '{"error":"Event request failed (Ignoring event, earlier unique event tracked)"}',
    });
    const unknown = `dlv_af_${randomUUID()}`;
    expect((await ledger.accepted([a.receipt.deliveryId, unknown])).size).toBe(0);
    await ledger.record([a, b]);
    const found = await ledger.accepted([a.receipt.deliveryId, b.receipt.deliveryId, unknown]);
    expect([...found.keys()].sort()).toEqual([a.receipt.deliveryId, b.receipt.deliveryId].sort());
    expect(found.get(a.receipt.deliveryId)?.receipt).toEqual({ ...a.receipt, durationMs: 42 });
    expect(found.get(b.receipt.deliveryId)?.receipt).toEqual(b.receipt);
    expect(found.get(a.receipt.deliveryId)).toMatchObject({ vendor: 'adjust', userHash: userHash('alice') });
    expect(Date.now() - (found.get(a.receipt.deliveryId)?.recordedAtMs ?? 0)).toBeLessThan(60_000);
    expect((await ledger.accepted([])).size).toBe(0);
  });

  it('keeps the first acceptance of a delivery (a late zombie attempt cannot overwrite it)', async () => {
    const first = acceptance('bob', { attempt: 1, answer: 'first' });
    await ledger.record([first]);
    await ledger.record([{ ...first, receipt: { ...first.receipt, attempt: 2, answer: 'second' } }]);
    expect((await ledger.accepted([first.receipt.deliveryId])).get(first.receipt.deliveryId)?.receipt.answer).toBe('first');
  });

  it('stores no user id or device data, only the user hash', async () => {
    const a = acceptance('carol-secret-user-id');
    await ledger.record([a]);
    const { rows } = await ledger.sql.query<Record<string, unknown>>(`SELECT * FROM ${LEDGER_TABLE} WHERE delivery_id = $1`, [a.receipt.deliveryId]);
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual([
      'answer',
      'attempt',
      'delivery_id',
      'duration_ms',
      'outcome',
      'recorded_at',
      'sent_at',
      'status',
      'user_hash',
      'vendor',
    ]);
    expect(JSON.stringify(rows)).not.toContain('carol-secret-user-id');
  });

  it('expires entries older than the retention, and only those', async () => {
    const old = acceptance('dave');
    const fresh = acceptance('dave');
    await ledger.record([old, fresh]);
    await ledger.sql.query(`UPDATE ${LEDGER_TABLE} SET recorded_at = now() - interval '91 days' WHERE delivery_id = $1`, [old.receipt.deliveryId]);
    const retention = ledgerRetentionMs({ dedupMaxAgeDays: 90, adjustEventWindowDays: 28, appsflyerMaxAgeDays: 7 });
    expect(retention).toBe(90 * 86_400_000);
    expect(await ledger.expire(retention)).toBeGreaterThanOrEqual(1);
    const left = await ledger.accepted([old.receipt.deliveryId, fresh.receipt.deliveryId]);
    expect([...left.keys()]).toEqual([fresh.receipt.deliveryId]);
  });

  it("forgets one user's entries and no one else's", async () => {
    const mine = [acceptance('erin'), acceptance('erin')];
    const theirs = acceptance('frank');
    await ledger.record([...mine, theirs]);
    expect(await ledger.forgetUser(userHash('erin'))).toBe(2);
    const left = await ledger.accepted([...mine, theirs].map((a) => a.receipt.deliveryId));
    expect([...left.keys()]).toEqual([theirs.receipt.deliveryId]);
  });

  it('creates its schema idempotently (again, and from several openers at once)', async () => {
    await Promise.all([ensureLedgerSchema(ledger.sql), ensureLedgerSchema(ledger.sql)]);
    const a = acceptance('gina');
    await ledger.record([a]);
    expect((await ledger.accepted([a.receipt.deliveryId])).size).toBe(1);
  });
});

describe('delivery ledger on PostgreSQL: replicas and outages', () => {
  const store = postgresStore();
  afterAll(() => store.cleanup());

  it('is shared: what one worker process records, another one sees (several opening the schema at once)', async () => {
    const [one, two] = await Promise.all([store.open(), store.open()]);
    try {
      const a = acceptance('henry');
      await one.record([a]);
      expect((await two.accepted([a.receipt.deliveryId])).size).toBe(1);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('fails a lookup with LedgerUnavailableError, not an empty answer, once the server is gone', async () => {
    const ledger = await store.open();
    await ledger.close(); // the pool is ended: every query fails as it would against a dead server
    const error = await ledger.accepted(['dlv_adj_x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect((error as Error).message).toMatch(/^delivery ledger \(PostgreSQL 127\.0\.0\.1:5432\/s2s_ledger_test_\w+\) unavailable: /);
  });

  it('refuses to start on a server that does not answer, naming it without the password', async () => {
    const error = await openPostgresLedger('postgres://relay:s3cret@127.0.0.1:1/ledger', { timeoutMs: 2_000 }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^cannot open the delivery ledger on PostgreSQL 127\.0\.0\.1:1\/ledger: .*S2S_LEDGER_URL/);
    expect((error as Error).message).not.toContain('s3cret');
  });
});

describe('embedded ledger: one process only', () => {
  it('refuses a directory another live process holds, naming the fix', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-ledger-lock-'));
    try {
      fs.writeFileSync(path.join(dir, 'owner.pid'), `${process.ppid}\n`); // a live process that is not this one
      await expect(openEmbeddedLedger(dir)).rejects.toThrow(
        /in use by process \d+\. The embedded ledger serves one worker process only: .*S2S_LEDGER_URL=postgres:\/\//,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second open in the same process, and takes over the lock of a process that is gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-ledger-lock-'));
    try {
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      fs.writeFileSync(path.join(dir, 'owner.pid'), `${gone.stdout}\n`);
      const ledger = await openEmbeddedLedger(dir);
      expect(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8').trim()).toBe(String(process.pid));
      await expect(openEmbeddedLedger(dir)).rejects.toThrow(/in use by process/);
      const a = acceptance('ivan');
      await ledger.record([a]);
      await ledger.close();
      expect(fs.existsSync(path.join(dir, 'owner.pid'))).toBe(false);
      const again = await openEmbeddedLedger(dir); // persisted in the directory
      expect((await again.accepted([a.receipt.deliveryId])).size).toBe(1);
      await again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ledger expiry', () => {
  it('expires entries older than the longest dedup window at start, and logs what it removed', async () => {
    const calls: number[] = [];
    const lines: string[] = [];
    const ledger = { ...disabledLedger(), expire: async (ms: number) => (calls.push(ms), 3) };
    const logger = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const stop = startLedgerExpiry(ledger, { dedupMaxAgeDays: 30, adjustEventWindowDays: 58, appsflyerMaxAgeDays: 7 }, logger, 60_000);
    await vi.waitFor(() => expect(lines).toEqual(['delivery ledger: expired old entries']));
    expect(calls).toEqual([58 * 86_400_000]);
    stop();
  });
});
