// Human-readable renderings of the workflow's answers for the CLI (the --json flag prints the raw objects).
import type { DeadLetterView, MessageAnswer, RedriveAnswer, SignupAnswer, TimelineEntry, UserStatus } from '../domain/status';

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

export function formatSignup(a: SignupAnswer): string {
  const lines = [`${a.status === 'signed-up' ? 'signed up' : 'already signed up'}: ${a.userId} (${a.app}), installed ${a.installedAt}`];
  if (a.gateAt) lines.push(`events are held until ${a.gateAt} (post-install delay)`);
  if (a.ignoredDifferences?.length) lines.push(`note: the first signup stays in force; ignored differing fields: ${a.ignoredDifferences.join(', ')}`);
  return lines.join('\n');
}

export function formatMessageAnswer(a: MessageAnswer): string {
  const lines = [`${a.kind} ${a.id}: ${a.status}${a.conflictingDuplicate ? ' (content differs from the first message with this id; the first one counts)' : ''} (received ${a.receivedAt})`];
  if (a.held) lines.push('  held: waiting for the user\'s signup (install context)');
  for (const d of a.deliveries) lines.push(`  ${pad(d.destination, 10)} ${d.deliveryId}  ${d.outcome}${d.status ? ` ${d.status}` : ''}${d.detail ? `  ${d.detail}` : ''}`);
  return lines.join('\n');
}

export function formatDeadLetter(d: DeadLetterView): string {
  const what = `${d.kind} ${d.id}${d.name ? ` (${d.name})` : ''}${d.revenue ? ` ${d.revenue} ${d.currency ?? ''}` : ''}`;
  // The reason usually quotes the vendor's answer already; repeat only what it does not say.
  const message = d.vendorMessage && !d.reason.includes(d.vendorMessage) ? `: ${d.vendorMessage}` : '';
  const vendor = d.status ? ` [${d.status}${message}]` : '';
  return `${pad(d.destination ?? '(unrouted)', 10)} ${pad(d.deliveryId ?? '-', 24)} ${what}: ${d.reason}${vendor}${d.redrives ? ` (redriven ${d.redrives}x)` : ''}`;
}

export function formatStatus(s: UserStatus): string {
  const lines = [
    `user ${s.userId}: ${s.state}${s.app ? ` · app ${s.app} (${s.platform})` : ''}`,
    s.installedAt ? `installed ${s.installedAt}; gate ${s.gateOpen ? 'open' : `closed until ${s.gateAt}`}` : 'install context: not received yet (events are held)',
    `pending ${s.pending} (held ${s.held}, orphan refunds ${s.orphanRefunds}) · dead letters ${s.deadLetters.length}${s.deadLettersEvicted ? ` (+${s.deadLettersEvicted} evicted)` : ''}`,
  ];
  for (const [name, lane] of Object.entries(s.lanes)) {
    const parts = [`${lane.queued} queued`, `${lane.counts.delivered} delivered`, `${lane.counts.duplicate} duplicate`, `${lane.counts.skipped} skipped`, `${lane.counts.deadLettered} dead-lettered`];
    lines.push(`${pad(name, 10)} ${lane.stopped ? `STOPPED (${lane.stopped.reason}) · ` : ''}${parts.join(', ')}`);
    if (lane.inFlight.length) lines.push(`${' '.repeat(11)}sending: ${lane.inFlight.join(', ')}`);
    if (lane.next) lines.push(`${' '.repeat(11)}next: ${lane.next.id} (${lane.next.name}) at ${lane.next.readyAt ?? '?'}${lane.next.waitingFor ? `, waiting for ${lane.next.waitingFor}` : ''}`);
    if (lane.last) lines.push(`${' '.repeat(11)}last: ${lane.last.id} ${lane.last.outcome}${lane.last.status ? ` (${lane.last.status})` : ''} at ${lane.last.at}`);
  }
  const c = s.counters;
  lines.push(`counters: received ${c.received}, delivered ${c.delivered}, vendor duplicates ${c.vendorDuplicates}, duplicate messages ${c.duplicateMessages}, skipped ${c.skipped}, dead-lettered ${c.deadLettered}, rejected ${c.rejectedMessages}, redriven ${c.redriven}, runs continued ${c.continuedAsNew}`);
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
  const row = (occurred: string, message: string, outcome: string, at: string, id: string) => `  ${pad(occurred, 24)}  ${pad(message, 44)} ${pad(outcome, 18)} ${pad(at, 24)}  ${id}`;
  const lines: string[] = [];
  let current = '';
  for (const e of entries) {
    if (e.destination !== current) {
      current = e.destination;
      lines.push(`${current}:`, row('occurred', 'message', 'outcome', 'at', 'delivery id'));
    }
    const amount = e.revenue ? ` ${e.kind === 'refund' && e.destination === 'appsflyer' ? '-' : ''}${e.revenue} ${e.currency ?? ''}`.trimEnd() : '';
    const message = e.kind === 'refund' ? `refund ${e.id} of a ${e.name}${amount}` : `event ${e.id} (${e.name})${amount}`;
    lines.push(row(e.occurredAt, message, `${e.outcome}${e.status ? ` ${e.status}` : ''}`, e.at ?? '-', e.deliveryId));
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
