// The delivery ledger of the tests: the embedded PGlite in a temporary directory, one per test process,
// shared by every harness of that process and removed on exit, with statements shared by concurrent sends as
// in the worker (worker/ledger.ts). The directory starts as a copy of the run's template (made once by
// test/setup/temporal-server.ts): PGlite opens an initialised directory in about a second, a new one
// (initdb) in five or six.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { DeliveryLedger } from '../../activities/ledger/ledger';
import { BatchingLedger } from '../../activities/ledger/batching';
import { openEmbeddedLedger } from '../../activities/ledger/stores';

let shared: Promise<DeliveryLedger> | undefined;

export function testLedger(): Promise<DeliveryLedger> {
  shared ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-ledger-test-'));
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.cpSync(inject('ledgerTemplateDir'), dir, { recursive: true });
    const ledger = new BatchingLedger(await openEmbeddedLedger(dir));
    // Harnesses come and go within a test process; the ledger stays open until the process ends.
    return { ...bind(ledger), close: async () => undefined };
  })();
  return shared;
}

function bind(ledger: DeliveryLedger): DeliveryLedger {
  return {
    description: ledger.description,
    accepted: (ids) => ledger.accepted(ids),
    record: (acceptances) => ledger.record(acceptances),
    expire: (maxAgeMs) => ledger.expire(maxAgeMs),
    forgetUser: (hash) => ledger.forgetUser(hash),
    close: () => ledger.close(),
  };
}

/** This machine's PostgreSQL for tests (S2S_TEST_POSTGRES_URL; trust auth on loopback by default). */
export const TEST_POSTGRES_URL = process.env.S2S_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own on the test PostgreSQL, for a shared ledger; `drop()` removes it. */
export async function testDatabase(prefix = 's2s_ledger_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 5_000 });
    await client.connect().catch((error: unknown) => {
      throw new Error(
        `this test needs the PostgreSQL at ${TEST_POSTGRES_URL.replace(/\/\/[^@/]*@/, '//')} (set S2S_TEST_POSTGRES_URL): ${(error as Error).message}`,
      );
    });
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}
