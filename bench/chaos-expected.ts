// What the chaos run holds the relay to, from what the harness itself sent: the intended deliveries of every
// message the client was told was accepted (bench/chaos-content.ts says what each must look like), and the
// refusal of every bad message (each one in its user's rejections, with a reason that fits its kind, and no
// valid message refused). Pure.
import type { RelayConfigInput } from '../domain/config';
import type { Signup } from '../domain/contract/install';
import type { UserStatus } from '../domain/status';
import { intendedFor, type IntendedDelivery, type SentMessageFacts } from './chaos-content';
import type { SentBad } from './chaos-workload';
import type { SentLog } from './relay-sender';

/** Every delivery the accepted messages must produce. */
export function intendedDeliveries(
  log: SentLog,
  installs: ReadonlyMap<string, Signup>,
  apps: RelayConfigInput['apps'],
  postInstallDelayMs: number,
): IntendedDelivery[] {
  const out: IntendedDelivery[] = [];
  for (const id of log.accepted) {
    const sent = log.messages.get(id);
    if (!sent) continue;
    const install = installs.get(sent.userId);
    if (!install) throw new Error(`message ${id} of ${sent.userId}, who never signed up`);
    const p = sent.payload;
    const facts: SentMessageFacts =
      p.kind === 'event'
        ? {
            userId: sent.userId,
            id,
            kind: 'event',
            name: p.event.name,
            occurredAtMs: sent.occurredAtMs,
            ...(p.event.revenue !== undefined ? { revenue: String(p.event.revenue), currency: p.event.currency as string } : {}),
          }
        : {
            userId: sent.userId,
            id,
            kind: 'refund',
            name: 'refund',
            occurredAtMs: sent.occurredAtMs,
            revenue: String(p.refund.amount),
            currency: p.refund.currency,
            purchaseId: p.refund.purchaseEventId,
          };
    out.push(...intendedFor(facts, install, apps, postInstallDelayMs));
  }
  return out;
}

export interface RefusalCheck {
  badSent: number;
  refused: number;
  /** Bad messages the relay took (or refused for another reason). */
  notRefused: Array<{ id: string; bad: string; detail: string }>;
  /** Rejections of messages that were not bad ones. */
  validRefused: number;
  /** Up to 10 of those, with the relay's reason. */
  validRefusedSamples: Array<{ userId: string; id?: string; reason: string }>;
}

/** Each bad message must be among its user's recent rejections, for the reason its kind expects. */
export function checkRefusals(sentBad: ReadonlyMap<string, SentBad>, statuses: ReadonlyMap<string, UserStatus | undefined>): RefusalCheck {
  const notRefused: RefusalCheck['notRefused'] = [];
  let refused = 0;
  let validRefused = 0;
  for (const bad of sentBad.values()) {
    const status = statuses.get(bad.userId);
    const rejection = status?.recentRejections.find((r) => r.id === bad.id);
    if (!rejection) notRefused.push({ id: bad.id, bad: bad.bad, detail: status ? "not among the user's rejections" : "the user's workflow did not answer" });
    else if (!bad.refusal.test(rejection.reason)) notRefused.push({ id: bad.id, bad: bad.bad, detail: `refused for another reason: ${rejection.reason}` });
    else refused += 1;
  }
  const validRefusedSamples: RefusalCheck['validRefusedSamples'] = [];
  for (const [userId, status] of statuses) {
    if (!status) continue;
    // By id, not by count: a bad message the driver sent twice (its first call's answer was lost in the
    // server restart) is rejected twice, and is still one bad message.
    for (const r of status.recentRejections) {
      if (r.id !== undefined && sentBad.has(r.id)) continue;
      validRefused += 1;
      if (validRefusedSamples.length < 10) validRefusedSamples.push({ userId, ...(r.id !== undefined ? { id: r.id } : {}), reason: r.reason });
    }
    const kept = status.recentRejections.length;
    if (kept < status.counters.rejectedMessages && kept >= 50)
      throw new Error(`user ${userId} has more rejections than the status keeps; lower the bad-message rate`);
  }
  return { badSent: sentBad.size, refused, notRefused, validRefused, validRefusedSamples };
}
