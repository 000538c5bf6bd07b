// The chaos run's JSON document (stable snake_case keys) and text summary, from what happened (kills,
// restarts, faults) and the invariant check. Pure.
import type { EmulatorStats } from '../emulator/server';
import type { ChaosPlan } from './chaos-options';
import type { ServerRestart } from './chaos-monkey';
import type { DriveResult } from './driver';
import type { CheckResult } from './invariants';
import { machine } from './bench-report';
import type { KillRecord } from './worker-supervisor';

export interface ChaosFacts {
  command: string;
  plan: ChaosPlan;
  policy: Record<string, unknown>;
  durationMs: number;
  drive: DriveResult;
  /** Every expected delivery was accepted before the stall timeout. */
  complete: boolean;
  kills: KillRecord[];
  crashes: number;
  serverRestarts: ServerRestart[];
  faults: EmulatorStats['faults'];
  duplicatesSent: number;
  relay: { deadLetters: number; pending: number; rejectedMessages: number; duplicateMessages: number; unreachable: number };
  check: CheckResult;
}

/**
 * Everything that fails the run: the emulator-side invariants, an incomplete run, and any dead letter or
 * rejected message in the relay (the workload holds nothing a vendor refuses and no invalid message, so
 * each would be a false alarm or a loss the record does not show).
 */
export function chaosFailures(f: { check: Pick<CheckResult, 'failures'>; complete: boolean; relay: ChaosFacts['relay'] }): string[] {
  return [
    ...f.check.failures,
    ...(f.complete ? [] : ['the relay did not deliver everything before the stall timeout']),
    ...(f.relay.deadLetters > 0 ? [`${f.relay.deadLetters} dead letters in the relay, for a workload the vendors accept in full`] : []),
    ...(f.relay.rejectedMessages > 0 ? [`${f.relay.rejectedMessages} messages rejected by the relay, for a workload of valid messages`] : []),
    ...(f.relay.unreachable > 0 ? [`${f.relay.unreachable} user workflows did not answer the final status query`] : []),
  ];
}

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
    deliveries_accepted: c.delivered,
    lost: c.lost,
    duplicates: c.duplicates,
    ambiguous_duplicates: c.ambiguousDuplicates,
    ambiguous_duplicates_by_cause: c.ambiguousByCause,
    unexplained_duplicates: c.unexplainedDuplicates,
    accept_then_reset_accepted: c.acceptThenResetAccepted,
    order_violations: c.orderViolations,
    early_sends: c.earlySends,
    refunds_before_purchase: c.refundsBeforePurchase,
    vendor_rejections: { order: c.vendorRejections.order, age: c.vendorRejections.age, other: c.vendorRejections.other, of_already_accepted_resends: c.vendorRejections.ofAlreadyAccepted },
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
      worker_kills: f.kills.map((k) => ({ at: new Date(k.killedAtMs).toISOString(), down_ms: k.restartedAtMs ? k.restartedAtMs - k.killedAtMs : null, crashed: k.crashed ?? false })),
      server_restarts: f.serverRestarts.map((r) => ({ at: new Date(r.stoppedAtMs).toISOString(), down_ms: r.readyAtMs ? r.readyAtMs - r.stoppedAtMs : null })),
    },
    samples: c.samples,
  };
}

export function chaosText(json: Record<string, unknown>): string {
  const j = json as Record<string, unknown>;
  const rows: Array<[string, unknown]> = [
    ['events (distinct messages)', j.events],
    ['users', j.users],
    ['deliveries expected / accepted', `${j.deliveries_expected} / ${j.deliveries_accepted}`],
    ['lost', j.lost],
    ['duplicates (ambiguous / unexplained)', `${j.duplicates} (${j.ambiguous_duplicates} / ${j.unexplained_duplicates}) ${JSON.stringify(j.ambiguous_duplicates_by_cause)}`],
    ['order violations', j.order_violations],
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
  return [
    `s2s-relay chaos, ${j.date}: ${j.passed ? 'PASSED' : 'FAILED'}`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${String(v)}`),
    ...((j.failures as string[]).length > 0 ? ['', 'broken:', ...(j.failures as string[]).map((f) => `  - ${f}`)] : []),
  ].join('\n');
}
