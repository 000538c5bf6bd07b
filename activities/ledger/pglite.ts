// The embedded PostgreSQL (PGlite, WebAssembly) on a thread of its own: its queries run synchronously in
// WebAssembly, and on the worker's main thread they would hold up everything else there (activity
// completions, and the workflow activations Temporal hands to the workflow thread through it), most of all
// when the disk is slow to sync. The main thread only posts each query and awaits its rows (SqlClient).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqlClient } from './sql';

/** The thread's code: open PGlite, then answer {id, op, text, params} with {id, rows} or {id, error}. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.module);
let db;
const ready = PGlite.create(workerData.dataDir ? { dataDir: workerData.dataDir } : {}).then((d) => (db = d));
const fail = (id, e) => parentPort.postMessage({ id, error: String((e && e.message) || e) });
ready.then(() => parentPort.postMessage({ id: 0 }), (e) => fail(0, e));
parentPort.on('message', async (m) => {
  try {
    await ready;
    if (m.op === 'close') await db.close();
    else if (m.op === 'exec') await db.exec(m.text);
    else return parentPort.postMessage({ id: m.id, rows: (await db.query(m.text, m.params)).rows });
    parentPort.postMessage({ id: m.id, rows: [] });
  } catch (e) {
    fail(m.id, e);
  }
});
`;

interface Answer {
  id: number;
  rows?: object[];
  error?: string;
}

export interface PgliteThread extends SqlClient {
  close(): Promise<void>;
}

/** Starts the thread with PGlite in `dataDir` (undefined: in memory); resolves once the database is open. */
export async function startPgliteThread(dataDir: string | undefined, queryTimeoutMs = 5_000): Promise<PgliteThread> {
  const module = createRequire(__filename).resolve('@electric-sql/pglite');
  const worker = new Worker(THREAD, { eval: true, workerData: { module, dataDir } });
  const pending = new Map<number, { resolve: (rows: object[]) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let gone: Error | undefined;
  const settle = (answer: Answer) => {
    const p = pending.get(answer.id);
    if (!p) return;
    pending.delete(answer.id);
    if (answer.error !== undefined) p.reject(new Error(answer.error));
    else p.resolve(answer.rows ?? []);
  };
  const end = (error: Error) => {
    gone ??= error;
    for (const p of pending.values()) p.reject(gone);
    pending.clear();
  };
  worker.on('message', settle);
  worker.on('error', (error) => end(new Error(`the embedded ledger's thread failed: ${error.message}`)));
  worker.on('exit', (code) => end(new Error(`the embedded ledger's thread exited (code ${code})`)));
  const call = (message: { op: 'query' | 'exec' | 'close' | 'open'; text?: string; params?: unknown[] }, timeoutMs: number): Promise<object[]> =>
    new Promise((resolve, reject) => {
      if (gone) return reject(gone);
      const id = message.op === 'open' ? 0 : nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no answer from the embedded ledger within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (rows) => (clearTimeout(timer), resolve(rows)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      if (message.op !== 'open') worker.postMessage({ id, ...message });
    });
  try {
    await call({ op: 'open' }, 120_000); // creating a new database runs initdb: seconds on a busy machine
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.unref(); // an open ledger does not keep the process alive
  return {
    query: async <R extends object>(text: string, params?: unknown[]) => ({
      rows: (await call({ op: 'query', text, params: params ?? [] }, queryTimeoutMs)) as R[],
    }),
    exec: async (text) => void (await call({ op: 'exec', text }, queryTimeoutMs)),
    async close() {
      if (!gone) await call({ op: 'close' }, queryTimeoutMs).catch(() => undefined);
      await worker.terminate();
    },
  };
}
