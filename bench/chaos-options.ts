// Options of `npm run chaos`, validated with zod, the --quick preset, the fault mix the emulator injects
// and the chaos policy (production defaults, with timeouts and retries short enough for a bounded run).
import { z } from 'zod';
import type { FaultsInput } from '../emulator/server';
import { DEFAULT_POLICY, FIRST_SEND_ATTEMPTS, type Policy } from '../domain/config';
import { serverKind } from './bench-options';
import { duration, filePath, flag, positiveNumber, wholeNumber } from './option-types';

export const ChaosOptions = z
  .strictObject({
    help: flag,
    quick: flag,
    users: wholeNumber('--users 1000', 1, 100_000).optional(),
    events: wholeNumber('--events 10000', 1, 1_000_000).optional(),
    /** Messages are sent at an even rate over this long (open loop), while the monkey works. */
    duration: duration('"90s"').optional(),
    killMin: duration('"8s"').optional(),
    killMax: duration('"20s"').optional(),
    serverRestarts: wholeNumber('--server-restarts 1', 0, 10).optional(),
    /** The server the harness starts (and restarts): the dev server or the production server on PostgreSQL. */
    server: serverKind,
    /** Worker processes sharing the task queue; the monkey kills one at a time. */
    replicas: wholeNumber('--replicas 2', 1, 8).optional(),
    /** Share of vendor requests that get an injected fault (split over 5xx, 429, slow, hang, reset, acceptThenReset). */
    faultRate: positiveNumber('--fault-rate 0.1').pipe(z.number().max(0.9, 'must be at most 0.9')).optional(),
    settleWindow: duration('"2s"').optional(),
    /** policy.firstSendAttempt (default: the production default). */
    firstSendAttempt: z.enum(FIRST_SEND_ATTEMPTS).optional(),
    /** policy.idleContinueAsNewEvents (default: the production default); a low value makes runs end often mid-chaos. */
    idleContinueAsNew: wholeNumber('--idle-continue-as-new 40', 0, 100_000).optional(),
    /** The workers' workflow cache (S2S_MAX_CACHED_WORKFLOWS); a small one makes most workflow tasks replay the history first. */
    workerCache: wholeNumber('--worker-cache 1', 1, 100_000).optional(),
    seed: wholeNumber('--seed 7', 0, 2 ** 31).default(7),
    json: filePath('--json chaos.json').optional(),
    stall: duration('"120s"').optional(),
    /** Encrypt payloads (a key of the run's own) in the workers and the client, as production does with S2S_PAYLOAD_KEYS. */
    codec: flag,
    /** S2S_LEDGER_URL of the worker (default: the embedded ledger in the run directory; `off` to measure without). */
    ledger: z.string().min(1, 'needs a value: off, pglite:<dir> or postgres://...').optional(),
  })
  .superRefine((o, ctx) => {
    if (o.killMin !== undefined && o.killMax !== undefined && o.killMin > o.killMax)
      ctx.addIssue({ code: 'custom', path: ['killMin'], message: 'must not be longer than --kill-max' });
    if (o.users !== undefined && o.events !== undefined && o.events < o.users)
      ctx.addIssue({ code: 'custom', path: ['events'], message: 'must be at least --users (every user gets one message or more)' });
  });
export type ChaosOptions = z.infer<typeof ChaosOptions>;

export interface ChaosPlan {
  users: number;
  eventsPerUser: number;
  durationMs: number;
  killMinMs: number;
  killMaxMs: number;
  serverRestarts: number;
  server: 'dev' | 'postgres';
  replicas: number;
  faultRate: number;
  settleWindowMs: number;
  firstSendAttempt: Policy['firstSendAttempt'];
  idleContinueAsNewEvents: number;
  /** S2S_MAX_CACHED_WORKFLOWS of the workers (undefined: the worker's default). */
  workerCache?: number;
  stallMs: number;
  postInstallDelayMs: number;
  /** Acceptances this long before a worker kill may have lost their answer with it (= attempt timeout). */
  killWindowMs: number;
}

/** Timeouts and retries of the chaos run (the rest of the policy is the production default). */
export const CHAOS_HTTP = { connectTimeout: '1s', headersTimeout: '2s', bodyTimeout: '1s' };
export const CHAOS_ATTEMPT_TIMEOUT_MS = 5_000;
export const CHAOS_SLOW_MS = 800;

export function chaosPlan(o: ChaosOptions): ChaosPlan {
  const quick = o.quick === true;
  const users = o.users ?? (quick ? 200 : 1000);
  const events = o.events ?? (quick ? 2000 : 10_000);
  return {
    users,
    eventsPerUser: Math.max(1, Math.round(events / users)),
    durationMs: o.duration ?? (quick ? 45_000 : 150_000),
    killMinMs: o.killMin ?? (quick ? 12_000 : 10_000),
    killMaxMs: o.killMax ?? (quick ? 20_000 : 25_000),
    serverRestarts: o.serverRestarts ?? 1,
    server: o.server,
    replicas: o.replicas ?? (o.server === 'postgres' ? 2 : 1),
    faultRate: o.faultRate ?? 0.1,
    settleWindowMs: o.settleWindow ?? 2_000,
    firstSendAttempt: o.firstSendAttempt ?? DEFAULT_POLICY.firstSendAttempt,
    idleContinueAsNewEvents: o.idleContinueAsNew ?? DEFAULT_POLICY.idleContinueAsNewEvents,
    ...(o.workerCache !== undefined ? { workerCache: o.workerCache } : {}),
    stallMs: o.stall ?? 120_000,
    postInstallDelayMs: 6_000,
    killWindowMs: CHAOS_ATTEMPT_TIMEOUT_MS,
  };
}

/** The emulator's fault mix: `rate` of all requests, in fixed shares per kind (same for both vendors). */
export function faultMix(rate: number, seed: number): FaultsInput {
  const share = { error5xx: 0.3, rate429: 0.2, slow: 0.2, hang: 0.05, reset: 0.15, acceptThenReset: 0.1 };
  const spec = Object.fromEntries(Object.entries(share).map(([k, v]) => [k, Math.round(rate * v * 10_000) / 10_000])) as Record<keyof typeof share, number>;
  return { adjust: { ...spec, slowMs: CHAOS_SLOW_MS }, appsflyer: { ...spec, slowMs: CHAOS_SLOW_MS }, seed };
}

export const CHAOS_HELP = `npm run chaos -- [options]

A bounded run against the embedded stack while the harness SIGKILLs and restarts a worker at random
intervals, SIGKILLs and restarts the Temporal server (same database), and the emulator injects 5xx, 429,
slow answers, hung connections, resets and acceptThenReset. Then it checks the emulator's record: nothing
lost, no unexplained duplicates, per-lane event-time order, nothing before the post-install gate, no refund
before its purchase, no vendor rejection for order or age. Exits 1 if any invariant is broken.

  --quick                 200 users, 2,000 messages over 45 s, a kill every 12-20 s (under 3 minutes in all)
  --users N               users (default 1000)
  --events N              distinct messages (default 10000): purchases, ~10% refunds, plus ~10% repeats
                          and ~15% out-of-order pairs (the earlier event arrives 500 ms later)
  --duration D            send them evenly over D (default 150s)
  --kill-min D, --kill-max D   time between worker SIGKILLs (default 10s..25s)
  --server-restarts N     Temporal server restarts (default 1)
  --server dev|postgres   the server: the dev server on a SQLite file (default), or the production server on
                          PostgreSQL (scripts/temporal-server.sh): a restart is the real server process
  --replicas N            worker processes on the task queue, killed one at a time (default 1; 2 with
                          --server postgres)
  --fault-rate R          share of vendor requests with an injected fault (default 0.1)
  --settle-window D       policy.settleWindow (default 2s, production)
  --first-send-attempt M  policy.firstSendAttempt: combined (default), local or per-vendor
  --idle-continue-as-new N  policy.idleContinueAsNewEvents (default 300; e.g. 40: runs end often mid-chaos)
  --worker-cache N        the workers' workflow cache, as S2S_MAX_CACHED_WORKFLOWS (default 2000); e.g. 1: nearly
                          every workflow task replays the history first, as after a kill
  --codec                 encrypt payloads (workers and client, a key of the run's own), as with S2S_PAYLOAD_KEYS
  --ledger URL            the worker's delivery ledger, as S2S_LEDGER_URL (default: embedded, in the run
                          directory; with several replicas a PostgreSQL database of the run's own on
                          S2S_BENCH_PG_URL, this machine's by default; off: none, to measure what it prevents)
  --json FILE             write the results as JSON
  --seed N                workload, fault and monkey seed (default 7)
`;
