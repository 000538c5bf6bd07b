// `npm run bench -- --ramp`: shows the per-vendor rate limit with its gradual ramp. The worker runs with
// S2S_APPSFLYER_RATE_LIMIT set to a ramp (short steps for the demo; AppsFlyer asks for 1 minute), the
// load is offered faster than the ramp allows, and the emulator's record shows the achieved AppsFlyer
// request rate per step following the schedule while Adjust (unlimited) takes the load as it comes.
import { parseRateLimit, rateAt, describeRateLimit, type RateLimit } from '../activities/rate-limit';
import type { RelayPhaseContext } from './relay-phase';
import { runRelayPhase } from './relay-phase';
import { benchAppConfig } from './stack';
import { ratesPerStep } from './stats';
import { BENCH_MIX } from './workload';

export interface RampOptions {
  runDir: string;
  runId: string;
  bundlePath: string;
  workerEnv: Record<string, string>;
  /** e.g. "10 to 30 by 5 every 10s" */
  spec?: string;
  /** Width of the rate buckets in the report (default: the ramp's step). */
  stepMs?: number;
  quick: boolean;
  settleWindowMs: number;
}

export const DEFAULT_RAMP = '10 to 30 by 5 every 10s';

export interface RampRow {
  step: number;
  fromS: number;
  scheduled: number;
  appsflyer: number;
  adjust: number;
}

/** Pure: the achieved per-step rates of each vendor next to the schedule. */
export function rampRows(limit: RateLimit, originMs: number, stepMs: number, appsflyerTimes: number[], adjustTimes: number[]): RampRow[] {
  const last = Math.max(originMs, ...appsflyerTimes, ...adjustTimes);
  const steps = Math.max(1, Math.ceil((last - originMs) / stepMs));
  const af = ratesPerStep(appsflyerTimes, originMs, stepMs, steps);
  const adj = ratesPerStep(adjustTimes, originMs, stepMs, steps);
  return af.map((row, i) => ({
    step: i,
    fromS: Math.round((row.fromMs - originMs) / 1000),
    scheduled: rateAt(limit, row.fromMs - originMs),
    appsflyer: row.perSecond,
    adjust: adj[i]?.perSecond ?? 0,
  }));
}

export async function runRamp(ctx: RelayPhaseContext, o: RampOptions): Promise<{ json: Record<string, unknown>; text: string }> {
  const spec = o.spec ?? DEFAULT_RAMP;
  const limit = parseRateLimit(spec);
  if (typeof limit === 'string') throw new Error(`--ramp-spec ${limit}`);
  if (!limit.ramp) throw new Error('--ramp-spec must be a ramp such as "10 to 30 by 5 every 10s"');
  const stepMs = o.stepMs ?? limit.ramp.everyMs;
  const steps = Math.ceil((limit.perSecond - limit.ramp.startPerSecond) / limit.ramp.stepPerSecond) + 1;
  const rampMs = steps * limit.ramp.everyMs;
  // Offer more than the ramp's maximum for as long as the ramp lasts, so AppsFlyer always has a backlog.
  const offered = Math.ceil(limit.perSecond * 1.5);
  const users = o.quick ? 150 : 300;
  const eventsPerUser = Math.max(1, Math.ceil((offered * (rampMs / 1000)) / users));
  const appConfig = benchAppConfig(ctx.emulator.url, { settleWindow: o.settleWindowMs });
  const result = await runRelayPhase(ctx, {
    name: 'ramp',
    runDir: o.runDir,
    runId: o.runId,
    users,
    eventsPerUser,
    mix: BENCH_MIX,
    seed: 11,
    drive: { mode: 'open', concurrency: 32, ratePerSecond: offered },
    api: 'signal',
    appConfig,
    bundlePath: o.bundlePath,
    workerEnv: { ...o.workerEnv, S2S_APPSFLYER_RATE_LIMIT: spec },
    stallMs: 120_000,
  });
  const origin = result.workerReadyAtMs ?? result.startedAtMs;
  const times = (vendor: string) => (result.acceptedAtMs ?? []).filter((a) => a.vendor === vendor).map((a) => a.atMs);
  const rows = rampRows(limit, origin, stepMs, times('appsflyer'), times('adjust'));
  const over = rows.filter((r) => r.appsflyer > r.scheduled * 1.05 + 1);
  const json = {
    date: new Date().toISOString(),
    ramp: spec,
    schedule: describeRateLimit(limit),
    offered_events_per_s: offered,
    events: result.events,
    users: result.users,
    step_s: stepMs / 1000,
    steps: rows,
    steps_over_schedule: over.length,
    note: 'achieved = AppsFlyer requests accepted by the emulator per step, from the worker start; the schedule runs per worker process',
  };
  const text = [
    `ramp demo: S2S_APPSFLYER_RATE_LIMIT="${spec}" (${describeRateLimit(limit)}), offered ${offered} events/s`,
    '  from   scheduled  AppsFlyer  Adjust (unlimited)   requests/s',
    ...rows.map(
      (r) => `  ${String(r.fromS).padStart(4)}s  ${String(r.scheduled).padStart(9)}  ${String(r.appsflyer).padStart(9)}  ${String(r.adjust).padStart(9)}`,
    ),
    over.length === 0 ? 'AppsFlyer never exceeded its schedule.' : `AppsFlyer exceeded its schedule in ${over.length} step(s).`,
  ].join('\n');
  return { json, text };
}
