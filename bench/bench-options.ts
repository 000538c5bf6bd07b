// Options of `npm run bench`, validated with zod (messages name the option and what to write), and the
// --quick preset. Defaults are the production policy except where an option says otherwise.
import { z } from 'zod';
import { address, duration, envPairs, filePath, flag, positiveNumber, wholeNumber } from './option-types';

/** `--server dev|postgres` (bench and chaos): which Temporal server the harness starts. */
export const serverKind = z
  .enum(['dev', 'postgres'], { error: 'must be "dev" (the Temporal CLI\'s dev server) or "postgres" (the production server on PostgreSQL, scripts/temporal-server.sh)' })
  .default('dev');

export const BenchOptions = z
  .strictObject({
    help: flag,
    quick: flag,
    users: wholeNumber('--users 1000', 1, 100_000).optional(),
    eventsPerUser: wholeNumber('--events-per-user 10', 1, 10_000).optional(),
    /** Closed loop (default): this many concurrent senders. */
    concurrency: wholeNumber('--concurrency 32', 1, 1_000).optional(),
    /** Open loop instead: messages per second. */
    rate: positiveNumber('--rate 200').optional(),
    /** Open loop instead: spread the messages over this long. */
    duration: duration('"60s"').optional(),
    /** Also run the relay at half the measured maximum (open loop) for latency; on by default. */
    noHalfLoad: flag,
    noFloor: flag,
    noRaw: flag,
    settleWindow: duration('"2s" or "0ms"').optional(),
    maxBatch: wholeNumber('--max-batch 10', 1, 100).optional(),
    api: z.enum(['signal', 'update'], { error: 'must be "signal" (trackSignal/refundSignal) or "update" (track/refund)' }).default('signal'),
    refundRate: positiveNumber('--refund-rate 0.1').pipe(z.number().max(0.9, 'must be at most 0.9')).optional(),
    seed: wholeNumber('--seed 7', 0, 2 ** 31).default(7),
    json: filePath('--json bench.json').optional(),
    temporal: address.optional(),
    /** The server the harness starts: the dev server (default) or the production server on PostgreSQL. */
    server: serverKind,
    /** Dev server storage: in memory (default) or a SQLite file like `npm start` (fsync per write). */
    db: z.enum(['memory', 'file'], { error: 'must be "memory" (the dev server default) or "file" (SQLite on disk, like npm start)' }).default('memory'),
    workerEnv: envPairs,
    /** Extra node flags for the relay worker processes, e.g. "--cpu-prof --cpu-prof-dir=prof". */
    workerNodeArgs: z.string({ error: 'takes node flags after an equals sign, e.g. --worker-node-args="--cpu-prof --cpu-prof-dir=prof"' }).optional(),
    /** Also measure payload encryption: the max run repeated with the codec on (A-B-B-A). */
    codec: flag,
    /** The rate-limit ramp demo instead of the comparison. */
    ramp: flag,
    rampSpec: z.string().min(1).optional(),
    rampStep: duration('"15s"').optional(),
    stall: duration('"120s"').optional(),
  })
  .superRefine((o, ctx) => {
    if (o.server === 'postgres' && o.temporal !== undefined) ctx.addIssue({ code: 'custom', path: ['server'], message: '--server postgres starts a server; --temporal uses a running one. Give one of them' });
    if (o.server === 'postgres' && o.db !== 'memory') ctx.addIssue({ code: 'custom', path: ['db'], message: '--db is the dev server\'s store; the PostgreSQL-backed server always persists' });
    if (o.rate !== undefined && o.duration !== undefined) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give --rate or --duration, not both (both set the open-loop arrival rate)' });
    if (o.concurrency !== undefined && (o.rate !== undefined || o.duration !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['concurrency'], message: '--concurrency is for the closed loop; --rate/--duration make it an open loop. Give one of them' });
    }
  });
export type BenchOptions = z.infer<typeof BenchOptions>;

export interface BenchPlan {
  quick: boolean;
  users: number;
  eventsPerUser: number;
  mode: 'closed' | 'open';
  concurrency: number;
  /** Open loop: messages per second (from --rate or events / --duration). */
  ratePerSecond?: number;
  halfLoad: boolean;
  floor: boolean;
  raw: boolean;
  settleWindowMs: number;
  maxBatchSize: number;
  refundRate: number;
  stallMs: number;
}

/** Production defaults for the policy knobs the bench may change. */
export const PRODUCTION_SETTLE_WINDOW_MS = 2_000;
export const PRODUCTION_MAX_BATCH = 10;

export function benchPlan(o: BenchOptions): BenchPlan {
  const quick = o.quick === true;
  const users = o.users ?? (quick ? 200 : 1000);
  const eventsPerUser = o.eventsPerUser ?? 10;
  const events = users * eventsPerUser;
  const ratePerSecond = o.rate ?? (o.duration !== undefined ? events / (o.duration / 1000) : undefined);
  return {
    quick,
    users,
    eventsPerUser,
    mode: ratePerSecond !== undefined ? 'open' : 'closed',
    concurrency: o.concurrency ?? 32,
    ...(ratePerSecond !== undefined ? { ratePerSecond } : {}),
    halfLoad: o.noHalfLoad !== true,
    floor: o.noFloor !== true,
    raw: o.noRaw !== true,
    settleWindowMs: o.settleWindow ?? PRODUCTION_SETTLE_WINDOW_MS,
    maxBatchSize: o.maxBatch ?? PRODUCTION_MAX_BATCH,
    refundRate: o.refundRate ?? 0.1,
    stallMs: o.stall ?? 120_000,
  };
}

export const BENCH_HELP = `npm run bench -- [options]

Measures s2s-relay on this machine against the embedded stack (dev server, worker, emulator), next to two
baselines run the same way: the Temporal floor (one signal + one no-op activity per event) and the raw
ceiling (undici straight to the emulator). Reports throughput, latency, Temporal actions per event,
history size, worker CPU/RSS and Temporal server CPU.

  --quick                 a run under 2 minutes (200 users x 10 events)
  --users N               users (default 1000)
  --events-per-user N     messages per user (default 10; ~10% are refunds of earlier purchases)
  --concurrency N         closed loop with N concurrent senders (default 32)
  --rate N | --duration D open loop: N messages/s, or all messages spread over D
  --no-half-load          skip the relay run at half the measured maximum (open loop: the latency figure)
  --no-floor, --no-raw    skip a baseline
  --settle-window D       policy.settleWindow (default 2s, the production default; it adds to latency)
  --max-batch N           policy.maxBatchSize (default 10)
  --api signal|update     client calls: trackSignal/refundSignal (default) or track/refund updates
  --codec                 also measure payload encryption: the max run again with the codec on, twice, then
                          once more without (plain, encrypted, encrypted, plain), and the cost per event
  --worker-env K=V        extra environment for the worker processes (repeatable)
  --worker-node-args=A    extra node flags for the relay workers, e.g. --worker-node-args="--cpu-prof --cpu-prof-dir=prof"
  --temporal HOST:PORT    use a running Temporal server instead of starting one
  --server dev|postgres   the server the harness starts: the dev server (default), or the production server
                          on PostgreSQL (scripts/temporal-server.sh; databases of its own, dropped afterwards)
  --db memory|file        the dev server's store: in memory (default) or SQLite on disk like npm start
  --json FILE             write the results as JSON
  --ramp                  the rate-limit demo: AppsFlyer sends follow a ramp (--ramp-spec, --ramp-step)
  --seed N                workload seed (default 7)
`;
