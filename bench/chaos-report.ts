// The chaos run's JSON document (stable snake_case keys) and text summary, from what happened (kills,
// restarts, faults), the invariant check and the refusal of bad messages. Duplicates are also given per
// 10,000 deliveries, by cause, to compare runs (with and without the delivery ledger). Pure.
import type { EmulatorStats } from '../emulator/server';
import type { ChaosPlan } from './chaos-options';
import type { ServerRestart } from './chaos-monkey';
import type { DriveResult } from './driver';
import type { RefusalCheck } from './chaos-expected';
import { DUPLICATE_CAUSES, type CheckResult } from './invariants';
import { machine } from './bench-report';
import type { ReplayFailure } from './replay-failures';
import type { KillRecord } from './worker-supervisor';

export interface ChaosFacts {
  command: string;
  plan: ChaosPlan;
  policy: Record<string, unknown>;
  /** The worker's S2S_LEDGER_URL (or "embedded"). */
  ledger: string;
  durationMs: number;
  drive: DriveResult;
  /** Every expected delivery was accepted before the stall timeout. */
  complete: boolean;
  kills: KillRecord[];
  crashes: number;
  serverRestarts: ServerRestart[];
  faults: EmulatorStats['faults'];
  duplicatesSent: number;
  /** Distinct messages the client was told were accepted. */
  messagesAccepted: number;
  refusals: RefusalCheck;
  relay: { deadLetters: number; pending: number; rejectedMessages: number; duplicateMessages: number; unreachable: number };
  check: CheckResult;
  /** Workflow tasks that failed because a history did not replay (bench/replay-failures.ts). */
  replayFailures: ReplayFailure[];
}

/**
 * Everything that fails the run: the emulator-side invariants, an incomplete run, a worker that died
 * without being killed, a bad message the relay took or a valid one it refused, and any dead letter (the
 * workload holds nothing a vendor refuses, so each would be a false alarm or a loss the record does not show).
 */
export function chaosFailures(f: {
  check: Pick<CheckResult, 'failures'>;
  complete: boolean;
  crashes: number;
  refusals: RefusalCheck;
  relay: ChaosFacts['relay'];
  replayFailures: readonly ReplayFailure[];
}): string[] {
  const stuck = [...new Set(f.replayFailures.map((r) => r.workflowId))];
  return [
    ...f.check.failures,
    ...(stuck.length > 0
      ? [
          `${stuck.length} user workflow(s) failed a workflow task on nondeterminism (the history did not replay), e.g. ${stuck[0]}: ${f.replayFailures[0]?.message}`,
        ]
      : []),
    ...(f.complete ? [] : ['the relay did not deliver everything before the stall timeout']),
    ...(f.crashes > 0 ? [`the worker died ${f.crashes} time(s) without being killed (see worker-*.log in the run directory)`] : []),
    ...(f.refusals.notRefused.length > 0
      ? [
          `${f.refusals.notRefused.length} of ${f.refusals.badSent} bad messages were not refused as expected (e.g. ${f.refusals.notRefused
            .slice(0, 3)
            .map((n) => `${n.id} ${n.bad}: ${n.detail}`)
            .join('; ')})`,
        ]
      : []),
    ...(f.refusals.validRefused > 0
      ? [
          `${f.refusals.validRefused} valid messages rejected by the relay (e.g. ${f.refusals.validRefusedSamples
            .slice(0, 2)
            .map((r) => `${r.id ?? '?'}: ${r.reason}`)
            .join('; ')})`,
        ]
      : []),
    ...(f.relay.deadLetters > 0 ? [`${f.relay.deadLetters} dead letters in the relay, for a workload the vendors accept in full`] : []),
    ...(f.relay.unreachable > 0 ? [`${f.relay.unreachable} user workflows did not answer the final status query`] : []),
  ];
}

const per10k = (n: number, of: number) => (of > 0 ? Math.round((n * 10_000 * 10) / of) / 10 : 0);

export function chaosJson(f: ChaosFacts): Record<string, unknown> {
  const c = f.check;
  const byKind: Record<string, number> = {};
  for (const vendor of Object.values(f.faults)) for (const [kind, n] of Object.entries(vendor)) byKind[kind] = (byKind[kind] ?? 0) + n;
  const faultsTotal = Object.values(byKind).reduce((a, b) => a + b, 0);
  return {
    date: new Date().toISOString(),
    command: f.command,
    machine: machine(),
    passed: chaosFailures(f).length === 0,
    failures: chaosFailures(f),
    events: c.expectedDeliveries / 2,
    users: f.plan.users,
    deliveries_expected: c.expectedDeliveries,
    ledger: f.ledger,
    messages_accepted_by_client: f.messagesAccepted,
    deliveries_accepted: c.delivered,
    lost: c.lost,
    not_recorded: c.notRecorded,
    content_mismatches: c.contentMismatches,
    duplicates: c.duplicates,
    duplicates_by_cause: c.duplicatesByCause,
    duplicates_per_10k: per10k(c.duplicates, c.expectedDeliveries),
    duplicates_per_10k_by_cause: Object.fromEntries(Object.entries(c.duplicatesByCause).map(([k, n]) => [k, per10k(n, c.expectedDeliveries)])),
    duplicate_causes: DUPLICATE_CAUSES,
    unexplained_duplicates: c.unexplainedDuplicates,
    accept_then_reset_accepted: c.acceptThenResetAccepted,
    bad_messages: {
      sent: f.refusals.badSent,
      refused: f.refusals.refused,
      not_refused: f.refusals.notRefused,
      valid_refused: f.refusals.validRefused,
      valid_refused_samples: f.refusals.validRefusedSamples,
    },
    replay_failures: f.replayFailures.length,
    replay_failure_samples: f.replayFailures.slice(0, 10),
    order_violations: c.orderViolations,
    late_arrivals: c.lateArrivals,
    late_arrival_meaning:
      'out of event-time order only because the earlier event entered the user workflow after the relay began sending the later one (its first attempt started) and past its settle window (not a violation)',
    early_sends: c.earlySends,
    refunds_before_purchase: c.refundsBeforePurchase,
    vendor_rejections: {
      order: c.vendorRejections.order,
      age: c.vendorRejections.age,
      other: c.vendorRejections.other,
      of_already_accepted_resends: c.vendorRejections.ofAlreadyAccepted,
    },
    unexpected_requests: c.unexpectedRequests,
    organic: c.organic,
    worker_kills: f.kills.filter((k) => !k.crashed).length,
    worker_crashes: f.crashes,
    server_restarts: f.serverRestarts.length,
    faults_injected: faultsTotal,
    faults_by_kind: byKind,
    repeats_sent: f.duplicatesSent,
    relay_state: {
      dead_letters: f.relay.deadLetters,
      pending: f.relay.pending,
      duplicate_messages_recognised: f.relay.duplicateMessages,
      rejected_messages: f.relay.rejectedMessages,
      users_not_answering: f.relay.unreachable,
    },
    duration_s: Math.round(f.durationMs / 1000),
    send_s: Math.round((f.drive.endedAtMs - f.drive.startedAtMs) / 1000),
    client_retries: f.drive.retries,
    plan: f.plan,
    policy: f.policy,
    timeline: {
      worker_kills: f.kills.map((k) => ({
        at: new Date(k.killedAtMs).toISOString(),
        down_ms: k.restartedAtMs ? k.restartedAtMs - k.killedAtMs : null,
        crashed: k.crashed ?? false,
      })),
      server_restarts: f.serverRestarts.map((r) => ({ at: new Date(r.stoppedAtMs).toISOString(), down_ms: r.readyAtMs ? r.readyAtMs - r.stoppedAtMs : null })),
    },
    samples: c.samples,
  };
}

/** Sample kinds the verdict keeps that break nothing (explained late arrivals, vendor rejections of other kinds). */
const NOT_BROKEN = new Set(['lateArrival', 'rejected:other']);

export function chaosText(json: Record<string, unknown>): string {
  const j = json as Record<string, unknown>;
  const rows: Array<[string, unknown]> = [
    ['events (distinct messages)', j.events],
    ['users', j.users],
    ['deliveries expected / accepted', `${j.deliveries_expected} / ${j.deliveries_accepted}`],
    ['ledger', j.ledger],
    ['lost', j.lost],
    ['content mismatches', j.content_mismatches],
    ['AppsFlyer not_recorded answers', j.not_recorded],
    [
      'duplicates (unexplained)',
      `${j.duplicates} (${j.unexplained_duplicates}) by cause ${JSON.stringify(j.duplicates_by_cause)}; per 10,000 deliveries ${j.duplicates_per_10k} ${JSON.stringify(j.duplicates_per_10k_by_cause)}`,
    ],
    ['bad messages refused', `${(j.bad_messages as { refused: number }).refused} of ${(j.bad_messages as { sent: number }).sent}`],
    ['replay failures (nondeterminism)', j.replay_failures],
    ['order violations (late arrivals)', `${j.order_violations} (${j.late_arrivals})`],
    ['early sends (before the gate)', j.early_sends],
    ['refunds before purchase', j.refunds_before_purchase],
    ['vendor rejections', JSON.stringify(j.vendor_rejections)],
    ['worker kills / crashes', `${j.worker_kills} / ${j.worker_crashes}`],
    ['server restarts', j.server_restarts],
    ['faults injected', `${j.faults_injected} ${JSON.stringify(j.faults_by_kind)}`],
    ['relay dead letters / pending', `${(j.relay_state as { dead_letters: number }).dead_letters} / ${(j.relay_state as { pending: number }).pending}`],
    ['duration', `${j.duration_s} s (sending ${j.send_s} s)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  // The evidence of what broke, in the log itself (CI keeps no artifacts): up to 3 examples per broken invariant.
  const samples = Object.entries((j.samples ?? {}) as Record<string, Array<{ key: string; detail: string }>>).filter(([kind]) => !NOT_BROKEN.has(kind));
  const examples = samples.flatMap(([kind, list]) => list.slice(0, 3).map((v) => `  - ${kind} ${v.key}: ${v.detail}`));
  return [
    `s2s-relay chaos, ${j.date}: ${j.passed ? 'PASSED' : 'FAILED'}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${String(v)}`),
    ...((j.failures as string[]).length > 0 ? ['', 'broken:', ...(j.failures as string[]).map((f) => `  - ${f}`)] : []),
    ...(examples.length > 0 ? ['', 'examples:', ...examples] : []),
  ].join('\n');
}
