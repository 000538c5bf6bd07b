// The delivery ledger on PostgreSQL: one table keyed by delivery id, created idempotently at startup, and
// the four statements of the ledger contract (lookup, record, expire, forget a user), each one round trip.
// The SQL runs unchanged on a PostgreSQL server (through `pg`) and on the embedded PGlite: only the
// SqlClient that carries it differs (ledger-stores.ts).
import type { DeliveryReceipt, Destination } from '../../domain/delivery';
import { LedgerUnavailableError, type DeliveryLedger, type LedgerAcceptance, type LedgerEntry } from './ledger';

/** What the ledger needs from a PostgreSQL client: parameterised queries, and a multi-statement script. */
export interface SqlClient {
  query<R extends object>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Several statements in one text (simple query protocol), no parameters. */
  exec(text: string): Promise<void>;
}

export const LEDGER_TABLE = 's2s_delivery_ledger';

/** Vendor answers are short; a long one is cut so one odd answer cannot bloat the table. */
const MAX_ANSWER_CHARS = 2_000;

/** Serialises concurrent schema creation by several replicas (CREATE ... IF NOT EXISTS alone can race). */
const SCHEMA_LOCK_KEY = 0x5325_4c44; // "S%LD"

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
    delivery_id text PRIMARY KEY,
    user_hash text NOT NULL,
    vendor text NOT NULL,
    outcome text NOT NULL,
    status integer NOT NULL,
    answer text NOT NULL,
    attempt integer NOT NULL,
    sent_at timestamptz NOT NULL,
    duration_ms integer NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX IF NOT EXISTS ${LEDGER_TABLE}_recorded_at ON ${LEDGER_TABLE} (recorded_at)`,
  `CREATE INDEX IF NOT EXISTS ${LEDGER_TABLE}_user_hash ON ${LEDGER_TABLE} (user_hash)`,
  `COMMENT ON TABLE ${LEDGER_TABLE} IS 's2s-relay: deliveries a vendor accepted (never sent again); user_hash only, no personal data'`,
];

interface Row {
  delivery_id: string;
  user_hash: string;
  vendor: string;
  outcome: string;
  status: number;
  answer: string;
  attempt: number;
  sent_at: Date;
  duration_ms: number;
  recorded_at: Date;
}

/** Creates the table and indexes if missing; safe to run from every replica at every start. */
export async function ensureLedgerSchema(sql: SqlClient): Promise<void> {
  // One transaction holding an advisory lock, sent as one script so it runs on one connection of a pool.
  await sql.exec(['BEGIN', `SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`, ...SCHEMA, 'COMMIT'].join(';\n'));
}

export class SqlLedger implements DeliveryLedger {
  constructor(
    /** The connection, for maintenance and tests; the relay itself uses only the methods below. */
    readonly sql: SqlClient,
    readonly description: string,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  async accepted(deliveryIds: readonly string[]): Promise<Map<string, LedgerEntry>> {
    const found = new Map<string, LedgerEntry>();
    if (deliveryIds.length === 0) return found;
    const { rows } = await this.run<Row>(`SELECT * FROM ${LEDGER_TABLE} WHERE delivery_id = ANY($1::text[])`, [[...deliveryIds]]);
    for (const row of rows) found.set(row.delivery_id, toEntry(row));
    return found;
  }

  async record(acceptances: readonly LedgerAcceptance[]): Promise<void> {
    if (acceptances.length === 0) return;
    const column = <T>(pick: (a: LedgerAcceptance) => T) => acceptances.map(pick);
    await this.run(
      `INSERT INTO ${LEDGER_TABLE} (delivery_id, user_hash, vendor, outcome, status, answer, attempt, sent_at, duration_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], $8::timestamptz[], $9::int[])
       ON CONFLICT (delivery_id) DO NOTHING`,
      [
        column((a) => a.receipt.deliveryId),
        column((a) => a.userHash),
        column((a) => a.vendor),
        column((a) => a.receipt.outcome),
        column((a) => a.receipt.status),
        column((a) => a.receipt.answer.slice(0, MAX_ANSWER_CHARS)),
        column((a) => a.receipt.attempt),
        column((a) => a.receipt.sentAt),
        column((a) => Math.max(0, Math.round(a.receipt.durationMs))),
      ],
    );
  }

  async expire(maxAgeMs: number): Promise<number> {
    const { rows } = await this.run<{ n: number }>(
      `WITH gone AS (DELETE FROM ${LEDGER_TABLE} WHERE recorded_at < now() - make_interval(secs => $1::double precision) RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [maxAgeMs / 1000],
    );
    return rows[0]?.n ?? 0;
  }

  async forgetUser(userHash: string): Promise<number> {
    const { rows } = await this.run<{ n: number }>(
      `WITH gone AS (DELETE FROM ${LEDGER_TABLE} WHERE user_hash = $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [userHash],
    );
    return rows[0]?.n ?? 0;
  }

  close(): Promise<void> {
    return this.onClose();
  }

  private async run<R extends object>(text: string, params: unknown[]): Promise<{ rows: R[] }> {
    try {
      return await this.sql.query<R>(text, params);
    } catch (error) {
      throw new LedgerUnavailableError(this.description, error);
    }
  }
}

function toEntry(row: Row): LedgerEntry {
  const receipt: DeliveryReceipt = {
    deliveryId: row.delivery_id,
    outcome: row.outcome === 'duplicate' ? 'duplicate' : 'delivered',
    status: row.status,
    answer: row.answer,
    attempt: row.attempt,
    sentAt: new Date(row.sent_at).toISOString(),
    durationMs: row.duration_ms,
  };
  return { receipt, vendor: row.vendor as Destination, userHash: row.user_hash, recordedAtMs: new Date(row.recorded_at).getTime() };
}
