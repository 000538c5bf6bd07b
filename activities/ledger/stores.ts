// Where the delivery ledger lives: a PostgreSQL server reached with `pg` (shared by every worker replica),
// or the embedded PGlite (PostgreSQL compiled to WebAssembly, on a thread of this process: ledger-pglite.ts,
// persisted in a directory), which needs no server but serves one process only: a lock file refuses a
// second process on the same directory. Both open the same SqlLedger (ledger-sql.ts) after creating its schema.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startPgliteThread, type PgliteThread } from './pglite';
import { ensureLedgerSchema, SqlLedger, type SqlClient } from './sql';

export interface PostgresLedgerOptions {
  /** Connections per process (default 10). */
  maxConnections?: number;
  /** Gives up on one statement (and on connecting) after this long (default 5 s): the send is retried, not made blind. */
  timeoutMs?: number;
  /** Errors of idle connections (the server went away); the next query reconnects. */
  onIdleError?: (error: Error) => void;
}

/** "PostgreSQL host:port/database", without user or password. */
export function describePostgresUrl(url: string): string {
  const u = new URL(url);
  return `PostgreSQL ${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname || '/'}`;
}

export async function openPostgresLedger(url: string, options: PostgresLedgerOptions = {}): Promise<SqlLedger> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 's2s-relay ledger',
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  const sql: SqlClient = {
    query: (text, params) => pool.query(text, params),
    async exec(text) {
      const client = await pool.connect();
      try {
        await client.query(text);
        client.release();
      } catch (error) {
        client.release(true); // never hand a connection in an aborted transaction back to the pool
        throw error;
      }
    },
  };
  const description = describePostgresUrl(url);
  try {
    await ensureLedgerSchema(sql);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `cannot open the delivery ledger on ${description}: ${(error as Error).message}. Check S2S_LEDGER_URL and that the database exists and accepts this user.`,
      { cause: error },
    );
  }
  return new SqlLedger(sql, description, () => pool.end());
}

/** The embedded ledger in `dir` (created if missing), or in memory (`dir` undefined: tests; lost on exit). */
export async function openEmbeddedLedger(dir: string | undefined): Promise<SqlLedger> {
  let release = () => undefined as void;
  let dataDir: string | undefined;
  if (dir !== undefined) {
    fs.mkdirSync(dir, { recursive: true });
    release = lockDirectory(dir);
    dataDir = path.join(dir, 'pgdata');
  }
  let thread: PgliteThread | undefined;
  try {
    thread = await startPgliteThread(dataDir);
    await ensureLedgerSchema(thread);
    const sql = thread;
    const description = dir === undefined ? 'embedded PGlite in memory' : `embedded PGlite in ${dir}`;
    return new SqlLedger(sql, description, async () => {
      await sql.close();
      release();
    });
  } catch (error) {
    await thread?.close();
    release();
    throw new Error(`cannot open the embedded delivery ledger in ${dir ?? 'memory'}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Takes `<dir>/owner.pid` for this process: PGlite must never have two processes on one directory. A lock
 * left by a process that is gone (killed) is taken over. Returns the release function.
 */
export function lockDirectory(dir: string): () => void {
  const file = path.join(dir, 'owner.pid');
  for (let tries = 0; tries < 3; tries++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      lockedHere.add(file);
      const release = () => {
        process.off('exit', release);
        lockedHere.delete(file);
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readOr(file, '').trim());
      // Our own pid is ours only if this process took the lock (a container restarts with the same pid).
      const held = owner === process.pid ? lockedHere.has(file) : Number.isInteger(owner) && owner > 0 && alive(owner);
      if (held) {
        throw new Error(
          `the embedded delivery ledger in ${dir} is in use by process ${owner}. The embedded ledger serves one worker process only: ` +
            'to run several workers, point every one at one shared PostgreSQL with S2S_LEDGER_URL=postgres://... ' +
            `(if process ${owner} is not a worker of this ledger, delete ${file})`,
        );
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock ${file} of the embedded delivery ledger`);
}

/** Lock files this process holds. */
const lockedHere = new Set<string>();

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
