// The worker's delivery ledger from S2S_LEDGER_URL: a shared PostgreSQL (postgres://..., every replica),
// the embedded PGlite in a directory (pglite:<dir>, the default, one process only), in memory (pglite:memory,
// tests) or off (measurements only, with a loud warning). Also the hourly expiry of old entries, and a
// warning when other worker processes poll the same vendor queues while this one keeps its ledger to itself.
import path from 'node:path';
import type { NativeConnection } from '@temporalio/worker';
import { disabledLedger, ledgerRetentionMs, type DeliveryLedger } from '../activities/ledger/ledger';
import { BatchingLedger } from '../activities/ledger/batching';
import { openEmbeddedLedger, openPostgresLedger } from '../activities/ledger/stores';
import { temporal } from '@temporalio/proto';

export type LedgerSetting = { kind: 'postgres'; url: string } | { kind: 'embedded'; dir: string } | { kind: 'memory' } | { kind: 'off' };

/** The embedded ledger under .data/ (relative to the working directory; `npm start` uses S2S_DATA_DIR). */
export const DEFAULT_LEDGER_URL = 'pglite:.data/ledger';
export const LEDGER_URL_SYNTAX =
  'postgres://user:password@host:5432/database (shared by all workers), pglite:<directory> (embedded, one worker process), pglite:memory, or off';

/** The setting S2S_LEDGER_URL names, or what is wrong with it. */
export function parseLedgerUrl(text: string): LedgerSetting | string {
  const value = text.trim();
  if (value === 'off') return { kind: 'off' };
  if (value === 'pglite:memory') return { kind: 'memory' };
  if (value.startsWith('pglite:')) {
    const dir = value.slice('pglite:'.length).replace(/^\/\/(?=\/)/, '');
    return dir === '' ? `must name a directory after "pglite:" (${LEDGER_URL_SYNTAX})` : { kind: 'embedded', dir: path.resolve(dir) };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    try {
      const url = new URL(value);
      if (!url.hostname && !url.searchParams.get('host')) return 'names no host';
      return { kind: 'postgres', url: value };
    } catch {
      return `is not a valid URL (${LEDGER_URL_SYNTAX})`;
    }
  }
  return `must be ${LEDGER_URL_SYNTAX}; got ${JSON.stringify(value.replace(/\/\/[^@/]*@/, '//***@'))}`;
}

interface LedgerLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/** Opens the ledger `setting` names; concurrent sends share its statements (activities/ledger/batching.ts). */
export async function openLedger(setting: LedgerSetting, logger: LedgerLogger): Promise<DeliveryLedger> {
  switch (setting.kind) {
    case 'postgres':
      return new BatchingLedger(
        await openPostgresLedger(setting.url, {
          onIdleError: (error) => logger.warn('delivery ledger: a PostgreSQL connection failed; the next query reconnects', { reason: error.message }),
        }),
      );
    case 'embedded':
      return new BatchingLedger(await openEmbeddedLedger(setting.dir));
    case 'memory':
      return new BatchingLedger(await openEmbeddedLedger(undefined));
    case 'off':
      logger.warn(
        'delivery ledger OFF (S2S_LEDGER_URL=off): a workflow reset or a worker that dies after a vendor accepted sends that delivery again; for measurements only',
      );
      return disabledLedger();
  }
}

/** Deletes entries older than the policy's longest dedup window now and every `everyMs`; returns a stop function. */
export function startLedgerExpiry(
  ledger: DeliveryLedger,
  policy: Parameters<typeof ledgerRetentionMs>[0],
  logger: LedgerLogger,
  everyMs = 3_600_000,
): () => void {
  const maxAgeMs = ledgerRetentionMs(policy);
  const run = () =>
    ledger.expire(maxAgeMs).then(
      (n) => n > 0 && logger.info('delivery ledger: expired old entries', { expired: n, olderThanDays: maxAgeMs / 86_400_000 }),
      (error: unknown) => logger.warn('delivery ledger: expiry failed; tried again later', { reason: (error as Error).message }),
    );
  void run();
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * An embedded (or absent) ledger is this process's alone: any other worker polling the same vendor queues
 * sends without seeing it, so a delivery accepted through one can be sent again through the other. Warns
 * with the other pollers' identities (seen by the server within the last minute).
 */
export async function warnIfNotShared(
  connection: NativeConnection,
  namespace: string,
  queues: readonly string[],
  ownIdentity: string,
  setting: LedgerSetting,
  logger: LedgerLogger,
): Promise<void> {
  if (setting.kind === 'postgres') return;
  const others = new Set<string>();
  for (const name of queues) {
    const answer = await connection.workflowService
      .describeTaskQueue({ namespace, taskQueue: { name }, taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY })
      .catch(() => undefined);
    for (const p of answer?.pollers ?? []) {
      const seenMs = Number(p.lastAccessTime?.seconds ?? 0) * 1000;
      if (p.identity && p.identity !== ownIdentity && Date.now() - seenMs < 60_000) others.add(p.identity);
    }
  }
  if (others.size > 0) {
    logger.warn(
      'delivery ledger not shared: other worker processes poll the same vendor task queues, and this one keeps its ledger to itself. ' +
        'With several workers set S2S_LEDGER_URL=postgres://... on every one (see docs/fault-tolerance.md)',
      { ledger: setting.kind, otherWorkers: [...others] },
    );
  }
}
