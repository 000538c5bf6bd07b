// Options of `npm run bench`, validated with zod (messages name the option and what to write), and the
// --quick preset. Defaults are the production policy except where an option says otherwise.
import { z } from 'zod';
import { DEFAULT_POLICY, FIRST_SEND_ATTEMPTS, type Policy } from '../domain/config';
import { address, duration, envPairs, filePath, flag, positiveNumber, wholeNumber, wholeNumberList } from './option-types';

/** `--server dev|postgres` (bench and chaos): which Temporal server the harness starts. */
export const serverKind = z
  .enum(['dev', 'postgres'], {
    error: 'must be "dev" (the Temporal CLI\'s dev server) or "postgres" (the production server on PostgreSQL, scripts/temporal-server.sh)',
  })
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
    /** policy.settleLoneEvents false: an event arriving to a quiet lane skips the settle window. */
    noSettleLoneEvents: flag,
    /** policy.firstSendAttempt (default: the production default). */
    firstSendAttempt: z.enum(FIRST_SEND_ATTEMPTS).optional(),
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
    /** Skip the cost-at-scale regimes (sparse, cache_miss, memory per cached workflow, CPU per replay). */
    noRegimes: flag,
    /** Only the regimes: skip the closed-loop comparison. */
    regimesOnly: flag,
    /** Regimes: idle users signed up (each gets one sparse event, then the cache_miss events). */
    regimeUsers: wholeNumber('--regime-users 200', 10, 100_000).optional(),
    /** Regimes: open-loop rate of the sparse and cache_miss events. */
    regimeRate: positiveNumber('--regime-rate 20').optional(),
    /** Regimes: the worker cache (maxCachedWorkflows, relay and floor alike) of the cache_miss regime. */
    regimeCache: wholeNumber('--regime-cache 100', 2, 100_000).optional(),
    /** Regimes: events per user in the cache_miss regime. */
    regimeEvents: wholeNumber('--regime-events 1', 1, 100).optional(),
    /** Open users at scale instead of the comparison: sign up --scale-users, then one event for --scale-events of them. */
    scale: flag,
    scaleUsers: wholeNumber('--scale-users 100000', 1, 10_000_000).optional(),
    scaleEvents: wholeNumber('--scale-events 10000', 1, 10_000_000).optional(),
    /** Scale: the events as an open loop at this rate (default: closed loop, --concurrency senders). */
    scaleRate: positiveNumber('--scale-rate 20').optional(),
    /** Scale: continue a run stopped part way (its run directory: database, ledger and progress). */
    resume: filePath('--resume artifacts/bench/2026-12-02T10-00-00-000Z').optional(),
    /** Replay cost by run length instead of the comparison: one user per number of events in the run. */
    replayLengths: wholeNumberList('--replay-lengths 0,1,3,12,40', 0, 500).optional(),
    /** Replay lengths: replays of each user's run measured (after a warm-up). */
    replayRepeats: wholeNumber('--replay-repeats 20', 1, 1_000).optional(),
    /** policy.idleContinueAsNewEvents of the relay worker (default: the production default). */
    idleContinueAsNew: wholeNumber('--idle-continue-as-new 300', 0, 100_000).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.server === 'postgres' && o.temporal !== undefined)
      ctx.addIssue({ code: 'custom', path: ['server'], message: '--server postgres starts a server; --temporal uses a running one. Give one of them' });
    if (o.server === 'postgres' && o.db !== 'memory')
      ctx.addIssue({ code: 'custom', path: ['db'], message: "--db is the dev server's store; the PostgreSQL-backed server always persists" });
    if (o.rate !== undefined && o.duration !== undefined)
      ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give --rate or --duration, not both (both set the open-loop arrival rate)' });
    if (o.noRegimes && o.regimesOnly)
      ctx.addIssue({ code: 'custom', path: ['regimesOnly'], message: '--regimes-only runs only the regimes; --no-regimes skips them. Give one of them' });
    if (o.resume !== undefined && !o.scale) ctx.addIssue({ code: 'custom', path: ['resume'], message: '--resume continues a --scale run: give --scale too' });
    if (o.scale && o.temporal !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['scale'],
        message: '--scale starts the dev server with its database on disk (to measure it and to resume); leave out --temporal',
      });
    if (o.scale && o.server === 'postgres')
      ctx.addIssue({ code: 'custom', path: ['scale'], message: "--scale measures the dev server's database file; leave out --server postgres" });
    if (o.scaleUsers !== undefined && o.scaleEvents !== undefined && o.scaleEvents > o.scaleUsers)
      ctx.addIssue({
        code: 'custom',
        path: ['scaleEvents'],
        message: `must be at most --scale-users (${o.scaleUsers}): one event for each of that many distinct users`,
      });
    if ((o.scaleUsers !== undefined || o.scaleEvents !== undefined || o.scaleRate !== undefined) && !o.scale)
      ctx.addIssue({
        code: 'custom',
        path: [o.scaleUsers !== undefined ? 'scaleUsers' : o.scaleEvents !== undefined ? 'scaleEvents' : 'scaleRate'],
        message: 'is an option of --scale: give --scale too',
      });
    if (o.replayLengths !== undefined && (o.scale || o.ramp || o.regimesOnly))
      ctx.addIssue({ code: 'custom', path: ['replayLengths'], message: 'runs on its own: leave out --scale, --ramp and --regimes-only' });
    for (const key of ['replayRepeats', 'idleContinueAsNew'] as const)
      if (o[key] !== undefined && o.replayLengths === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: 'is an option of --replay-lengths: give --replay-lengths too' });
    if (o.concurrency !== undefined && (o.rate !== undefined || o.duration !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['concurrency'],
        message: '--concurrency is for the closed loop; --rate/--duration make it an open loop. Give one of them',
      });
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
  /** policy.settleLoneEvents (production default true). */
  settleLoneEvents: boolean;
  /** policy.firstSendAttempt (production default `combined`). */
  firstSendAttempt: Policy['firstSendAttempt'];
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
    settleLoneEvents: o.noSettleLoneEvents !== true,
    firstSendAttempt: o.firstSendAttempt ?? DEFAULT_POLICY.firstSendAttempt,
    maxBatchSize: o.maxBatch ?? PRODUCTION_MAX_BATCH,
    refundRate: o.refundRate ?? 0.1,
    stallMs: o.stall ?? 120_000,
  };
}

export interface RegimesPlan {
  /** Idle users signed up (relay) or started (floor) and measured for memory; each gets one sparse event. */
  users: number;
  /** Users signed up first on each fresh worker and given one event, unmeasured (JIT, first-workflow costs). */
  warmupUsers: number;
  /** Open-loop events per second of sparse and cache_miss. */
  ratePerSecond: number;
  /** The sparse regime's worker cache: the production default, so every user stays cached. */
  sparseCacheSize: number;
  /**
   * The cache_miss regime's worker cache (relay and floor): what the offered rate touches while one event's own
   * tasks run (its settle window plus CACHE_MISS_TASK_SPAN_MS), at most half the users. The worker is fresh, so
   * every event's first task rebuilds its user's run from history, while a task of the same event seconds later
   * still finds it cached, as on a production worker (2,000 workflows: evicting within seconds would take more
   * events per second than one worker can send).
   */
  cacheMissCacheSize: number;
  cacheMissEventsPerUser: number;
  settleWindowMs: number;
  settleLoneEvents: boolean;
  firstSendAttempt: Policy['firstSendAttempt'];
}

export const PRODUCTION_CACHE_SIZE = 2_000;

/** How long one lone event's own workflow tasks span past its settle window (send, answer, slack). */
export const CACHE_MISS_TASK_SPAN_MS = 3_000;

/** The regimes (undefined with --no-regimes); --quick sizes them to about 3 minutes on 2 cores. */
export function regimesPlan(o: BenchOptions): RegimesPlan | undefined {
  if (o.noRegimes) return undefined;
  const quick = o.quick === true;
  const users = o.regimeUsers ?? (quick ? 200 : 1000);
  const ratePerSecond = o.regimeRate ?? 20;
  const settleWindowMs = o.settleWindow ?? PRODUCTION_SETTLE_WINDOW_MS;
  const cacheSize =
    o.regimeCache ?? Math.max(2, Math.min(Math.floor(users / 2), Math.ceil((ratePerSecond * (settleWindowMs + CACHE_MISS_TASK_SPAN_MS)) / 1000)));
  const production = Number(o.workerEnv?.S2S_MAX_CACHED_WORKFLOWS ?? PRODUCTION_CACHE_SIZE);
  return {
    users,
    warmupUsers: Math.min(20, Math.max(2, Math.floor(users / 10))),
    ratePerSecond,
    sparseCacheSize: Math.max(production, users + 50),
    cacheMissCacheSize: cacheSize,
    cacheMissEventsPerUser: o.regimeEvents ?? (quick ? 1 : 2),
    settleWindowMs,
    settleLoneEvents: o.noSettleLoneEvents !== true,
    firstSendAttempt: o.firstSendAttempt ?? DEFAULT_POLICY.firstSendAttempt,
  };
}

export interface ReplayLengthsPlan {
  /** Events each user gets, one user per entry (ascending, distinct). */
  lengths: number[];
  repeats: number;
  settleWindowMs: number;
  idleContinueAsNewEvents: number;
}

/** `--replay-lengths`: what a cache miss replays as a user's run grows, under the given idle continue-as-new cap. */
export function replayLengthsPlan(o: BenchOptions): ReplayLengthsPlan | undefined {
  if (o.replayLengths === undefined) return undefined;
  return {
    lengths: o.replayLengths,
    repeats: o.replayRepeats ?? 20,
    settleWindowMs: o.settleWindow ?? PRODUCTION_SETTLE_WINDOW_MS,
    idleContinueAsNewEvents: o.idleContinueAsNew ?? DEFAULT_POLICY.idleContinueAsNewEvents,
  };
}

export interface ScalePlan {
  users: number;
  events: number;
  mode: 'closed' | 'open';
  concurrency: number;
  ratePerSecond?: number;
  cacheSize: number;
  settleWindowMs: number;
  resumeDir?: string;
}

/** `--scale`: 100,000 idle users and one event for 10,000 of them unless told otherwise; closed loop by default. */
export function scalePlan(o: BenchOptions): ScalePlan | undefined {
  if (!o.scale) return undefined;
  const users = o.scaleUsers ?? 100_000;
  return {
    users,
    events: o.scaleEvents ?? Math.max(1, Math.min(users, Math.round(users / 10))),
    mode: o.scaleRate !== undefined ? 'open' : 'closed',
    concurrency: o.concurrency ?? 32,
    ...(o.scaleRate !== undefined ? { ratePerSecond: o.scaleRate } : {}),
    cacheSize: Number(o.workerEnv?.S2S_MAX_CACHED_WORKFLOWS ?? PRODUCTION_CACHE_SIZE),
    settleWindowMs: o.settleWindow ?? PRODUCTION_SETTLE_WINDOW_MS,
    ...(o.resume !== undefined ? { resumeDir: o.resume } : {}),
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
  --no-settle-lone-events policy.settleLoneEvents false: an event arriving to a quiet lane skips the window
  --first-send-attempt M  policy.firstSendAttempt: combined (default), local or per-vendor
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

Cost at scale (issue 14), run after the comparison unless --no-regimes (--regimes-only: only these):
  sparse       existing idle users (signed up, all cached), one event each, open loop at --regime-rate
  cache_miss   the same users, --regime-events more each at the same rate, worker cache --regime-cache
  and worker RSS per cached workflow (slope over the sparse users' signups) and worker CPU per replayed
  workflow task (cache_miss over sparse), each for the relay and for the floor run the same way
  --regime-users N        idle users (default 1000; --quick 200)
  --regime-rate N         events/s of both regimes (default 20)
  --regime-cache N        worker cache of cache_miss, relay and floor (default: the workflows the rate
                          touches in the settle window + 3 s, at most half the users: 100 at 20 events/s)
  --regime-events N       events per user in cache_miss (default 2; --quick 1)

Open users at scale (issue 14 item 5), instead of everything above:
  --scale                 dev server with its database on disk; sign up --scale-users idle users, then one
                          event for --scale-events random ones; reports signups/s, database bytes per idle
                          user, worker RSS over time, events/s and CPU per event. Progress on stderr
  --scale-users N         default 100000
  --scale-events N        default a tenth of the users
  --scale-rate N          the events as an open loop at N/s (default closed loop, --concurrency senders)
  --resume DIR            continue a --scale run from its run directory (it prints it at the start)

Replay cost by run length, instead of everything above:
  --replay-lengths LIST   one user per number, e.g. 0,1,3,12,40: signed up, then given that many purchases one
                          at a time (each delivered before the next); then each user's current run is replayed
                          in this process with the SDK's replayer, and the worker CPU per replay reported with
                          the run's history events, workflow tasks and the user's runs
  --replay-repeats N      replays measured per user (default 20)
  --idle-continue-as-new N  policy.idleContinueAsNewEvents of the worker (default 300; 0: off)
`;
