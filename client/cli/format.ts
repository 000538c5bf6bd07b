// Human-readable renderings of the workflow's answers for the CLI (the --json flag prints the raw objects).
import type { DeadLetterView, MessageAnswer, RedriveAnswer, SignupAnswer, TimelineEntry, UserStatus } from '../../domain/status';
import type { RecoverAnswer } from '../relay-client';
import { kindWord } from '../../domain/delivery';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function formatSignup(a: SignupAnswer): string {
  const lines = [`${a.status === 'signed-up' ? 'signed up' : 'already signed up'}: ${a.userId} (${a.app}), installed ${a.installedAt}`];
  lines.push(`events are held until ${a.gateAt} (post-install delay)`);
  if (a.amended?.length) lines.push(`filled in: ${a.amended.join(', ')}`);
  if (a.ignoredDifferences?.length) lines.push(`note: fields already in force never change; ignored differing fields: ${a.ignoredDifferences.join(', ')}`);
  return lines.join('\n');
}

export function formatMessageAnswer(a: MessageAnswer): string {
  const lines = [
    `${kindWord(a.kind)} ${a.id}: ${a.status}${a.conflictingDuplicate ? ' (content differs from the first message with this id; the first one counts)' : ''} (received ${a.receivedOn})`,
  ];
  if (a.held) lines.push("  held: waiting for the user's signup (install context)");
  for (const d of a.deliveries)
    lines.push(`  ${pad(d.destination, 10)} ${d.deliveryId}  ${d.outcome}${d.status ? ` ${d.status}` : ''}${d.detail ? `  ${d.detail}` : ''}`);
  return lines.join('\n');
}

export function formatDeadLetter(d: DeadLetterView): string {
  const what = `${kindWord(d.kind)} ${d.messageId}${d.name ? ` (${d.name})` : ''}${d.revenue ? ` ${d.revenue} ${d.currency ?? ''}` : ''}`;
  // The reason usually quotes the vendor's answer already; repeat only what it does not say.
  const message = d.vendorMessage && !d.reason.includes(d.vendorMessage) ? `: ${d.vendorMessage}` : '';
  const vendor = d.status ? ` [${d.status}${message}]` : '';
  return `${pad(d.destination ?? '(held)', 10)} ${pad(d.id, 24)} ${what}: ${d.reason}${vendor}${d.redrives ? ` (redriven ${d.redrives}x)` : ''}`;
}

export function formatStatus(s: UserStatus): string {
  const lines = [
    `user ${s.userId}: ${s.state}${s.app ? ` · app ${s.app} (${s.platform})` : ''}`,
    s.installedAt
      ? `installed ${s.installedAt}; gate ${s.gateOpen ? 'open' : `closed until ${s.gateAt}`}`
      : 'install context: not received yet (events are held)',
    `pending ${s.pending} (held ${s.held}, refunds waiting for their purchase ${s.orphanRefunds}) · dead letters ${s.deadLetters.length} · backlog ${Math.round(s.backlog.bytes / 1024)} of ${s.backlog.limitBytes / 1024} KiB`,
  ];
  for (const [name, lane] of Object.entries(s.lanes)) {
    const parts = [
      `${lane.queued} queued`,
      `${lane.counts.delivered} delivered`,
      `${lane.counts.duplicate} duplicate`,
      `${lane.counts.skipped} skipped`,
      `${lane.counts.deadLettered} dead-lettered`,
    ];
    lines.push(`${pad(name, 10)} ${lane.stopped ? `STOPPED (${lane.stopped.reason}) · ` : ''}${parts.join(', ')}`);
    if (lane.inFlight.length) lines.push(`${' '.repeat(11)}sending: ${lane.inFlight.join(', ')}`);
    if (lane.retrying)
      lines.push(
        `${' '.repeat(11)}RETRYING ${lane.retrying.deliveryId} since ${lane.retrying.since} (attempt ${lane.retrying.attempt}): ${lane.retrying.answer}`,
      );
    if (lane.next)
      lines.push(
        `${' '.repeat(11)}next: ${lane.next.messageId} (${lane.next.name}) at ${lane.next.readyAt ?? '?'}${lane.next.waitingFor ? `, waiting for ${lane.next.waitingFor}` : ''}`,
      );
    if (lane.last)
      lines.push(`${' '.repeat(11)}last: ${lane.last.messageId} ${lane.last.outcome}${lane.last.status ? ` (${lane.last.status})` : ''} at ${lane.last.at}`);
  }
  const c = s.counters;
  lines.push(
    `counters: received ${c.received}, delivered ${c.delivered}, vendor duplicates ${c.vendorDuplicates}, duplicate messages ${c.duplicateMessages}, skipped ${c.skipped}, dead-lettered ${c.deadLettered}, rejected ${c.rejectedMessages}, redriven ${c.redriven}, runs continued ${c.continuedAsNew}`,
  );
  if (s.dedup.since) lines.push(`dedup: ${s.dedup.entries} ids remembered since ${s.dedup.since} (more than policy.dedupMaxEntries within the window)`);
  if (s.settingsProblem) lines.push(`configuration problem: ${s.settingsProblem}`);
  if (s.deadLetters.length) {
    lines.push('dead letters:');
    for (const d of s.deadLetters) lines.push(`  ${formatDeadLetter(d)}`);
  }
  if (s.recentRejections.length) {
    lines.push('recently rejected messages:');
    for (const r of s.recentRejections.slice(-5)) lines.push(`  ${r.at} ${r.kind}${r.id ? ` ${r.id}` : ''}: ${r.reason}`);
  }
  return lines.join('\n');
}

/** Deliveries grouped per vendor, in event-time order: when each vendor got what, and the delivery ids. */
export function formatTimeline(entries: TimelineEntry[]): string {
  if (entries.length === 0) return '(no deliveries yet)';
  const row = (occurred: string, message: string, outcome: string, at: string, id: string) =>
    `  ${pad(occurred, 24)}  ${pad(message, 44)} ${pad(outcome, 18)} ${pad(at, 24)}  ${id}`;
  const lines: string[] = [];
  let current = '';
  for (const e of entries) {
    if (e.destination !== current) {
      current = e.destination;
      lines.push(`${current}:`, row('occurred', 'message', 'outcome', 'at', 'delivery id'));
    }
    const amount = e.revenue ? ` ${e.kind === 'refund' && e.destination === 'appsflyer' ? '-' : ''}${e.revenue} ${e.currency ?? ''}`.trimEnd() : '';
    const message =
      e.kind === 'refund'
        ? `refund ${e.messageId} (${e.name})${amount}`
        : `${e.kind === 'adRevenue' ? 'ad revenue' : 'event'} ${e.messageId} (${e.name})${amount}`;
    lines.push(row(e.occurredAt, message, `${e.outcome}${e.status ? ` ${e.status}` : ''}`, e.at ?? '-', e.deliveryId));
    if (e.sentAs) lines.push(`    sent as ${e.sentAs} (restamped: Adjust had already accepted a later event for this token)`);
    if (e.detail && e.outcome !== 'delivered') lines.push(`    ${e.detail}`);
  }
  return lines.join('\n');
}

export function formatRedrive(a: RedriveAnswer): string {
  const lines = [`redriven: ${a.redriven.length ? a.redriven.join(', ') : '(none)'}`];
  if (a.notFound.length) lines.push(`not found among the dead letters: ${a.notFound.join(', ')}`);
  if (a.refused?.length) lines.push(`still dead-lettered (the refund rules refuse them; see s2s status for the reason): ${a.refused.join(', ')}`);
  return lines.join('\n');
}

export function formatRecover(a: RecoverAnswer): string {
  return [
    `recovered user ${a.userId}: new run ${a.runId} started from the last state of run ${a.closedRunId} (${a.closedStatus})`,
    `carried: ${a.carried.pending} pending, ${a.carried.deadLetters} dead letters, ${a.carried.dedupEntries} message ids remembered`,
  ].join('\n');
}
