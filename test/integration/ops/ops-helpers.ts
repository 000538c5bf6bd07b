// Helpers for the ops tests: what an operator sees of a user workflow (static summary and details, current
// details, search attributes, every summary in its history), visibility polling, and scenario builders.
import type { temporal } from '@temporalio/proto';
import { RelayClient } from '../../../client/relay-client';
import { findUsers } from '../../../client/ops-queries';
import { userWorkflowId } from '../../../domain/ids';
import type { UserStatus } from '../../../domain/status';
import { purchase, secondsAgo } from '../../helpers/events';
import { waitFor, type RelayHarness } from '../../helpers/relay';
import { decodePayloadsInPlace } from '../../../codec/history-payloads';

export { signedUpUser } from '../../helpers/users';

type Payload = temporal.api.common.v1.IPayload;

export function payloadText(payload: Payload | null | undefined): string {
  if (!payload?.data) return '';
  const text = Buffer.from(payload.data).toString('utf8');
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return text;
  }
}

function indexedFieldsText(fields: Record<string, Payload> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, payloadText(v)]));
}

/** Everything of a user workflow an operator reads in the UI, as text. */
export interface OperatorView {
  staticSummary: string;
  staticDetails: string;
  currentDetails: string;
  /** Search attributes from describe(), name -> value as text. */
  searchAttributes: Record<string, string>;
  /** Every user-metadata summary/details in the history (activity and timer summaries, start metadata). */
  historyMetadata: string[];
  /** Every search-attribute value in the history (start and upserts). */
  historySearchAttributes: string[];
  /** Summaries of the send activities, in history order. */
  activitySummaries: string[];
  /** Results of completed send activities (the receipts), as JSON text. */
  activityResults: string[];
  /** The whole history as JSON with its payloads decrypted (inputs included), to prove a scan would find a value at all. */
  historyJson: string;
  /** The whole history as JSON as the server stores it and returns it to anyone who can read it (the UI's API). */
  storedHistoryJson: string;
}

export async function operatorView(relay: RelayHarness, userId: string): Promise<OperatorView> {
  const handle = relay.temporal.workflow.getHandle(userWorkflowId(userId));
  const description = await handle.describe();
  const metadata = (await handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
  const rawAttrs = description.raw.workflowExecutionInfo?.searchAttributes?.indexedFields as Record<string, Payload> | undefined;
  const stored = await handle.fetchHistory();
  const storedHistoryJson = JSON.stringify(bytesAsText(stored.events ?? []));
  const history = await decodePayloadsInPlace(stored, relay.encryption.codec);
  const events = history.events ?? [];
  const historyMetadata: string[] = [];
  const historySearchAttributes: string[] = [];
  const activitySummaries: string[] = [];
  const activityResults: string[] = [];
  for (const event of events) {
    const summary = payloadText(event.userMetadata?.summary);
    const details = payloadText(event.userMetadata?.details);
    if (summary) historyMetadata.push(summary);
    if (details) historyMetadata.push(details);
    if (event.activityTaskScheduledEventAttributes && summary) activitySummaries.push(summary);
    const started = event.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields;
    const upserted = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    for (const fields of [started, upserted]) historySearchAttributes.push(...Object.values(indexedFieldsText(fields as Record<string, Payload> | undefined)));
    for (const p of event.activityTaskCompletedEventAttributes?.result?.payloads ?? []) activityResults.push(payloadText(p));
  }
  return {
    staticSummary: (await description.staticSummary()) ?? '',
    staticDetails: (await description.staticDetails()) ?? '',
    currentDetails: metadata.currentDetails ?? '',
    searchAttributes: indexedFieldsText(rawAttrs),
    historyMetadata,
    historySearchAttributes,
    activitySummaries,
    activityResults,
    historyJson: JSON.stringify(bytesAsText(events)),
    storedHistoryJson,
  };
}

/** A copy of a decoded proto tree with every byte array as UTF-8 text (payload data becomes readable JSON). */
function bytesAsText(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (depth > 40 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => bytesAsText(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bytesAsText(v, depth + 1)]));
}

/** Workflow ids a visibility query returns, limited to this harness's workflows (its own task queue). */
export async function visibleIds(relay: RelayHarness, query: string): Promise<string[]> {
  const users = await findUsers(relay.client, `(${query}) AND TaskQueue = '${relay.taskQueue}'`, 1000);
  return users.map((u) => u.userId).sort();
}

/** Polls a visibility query (eventually consistent) until it returns exactly `expected` user ids. */
export async function expectVisible(relay: RelayHarness, query: string, expected: string[], timeoutMs = 15_000): Promise<void> {
  const want = [...expected].sort();
  let last: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    last = await visibleIds(relay, query);
    if (JSON.stringify(last) === JSON.stringify(want)) return;
    if (Date.now() > deadline)
      throw new Error(`visibility query [${query}] returned ${JSON.stringify(last)}, expected exactly ${JSON.stringify(want)} (after ${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function statusWhen(relay: RelayHarness, userId: string, what: string, ok: (s: UserStatus) => boolean, timeoutMs = 20_000): Promise<UserStatus> {
  return waitFor(
    what,
    async () => {
      const s = await relay.client.status(userId);
      return ok(s) ? s : undefined;
    },
    timeoutMs,
  );
}

/** Makes Adjust reject the demo iOS trial token (400 Invalid event token), so a trial event is dead-lettered. */
export function breakTrialToken(relay: RelayHarness): void {
  relay.emulator.updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', eventTokens: { tr1al1: null } }] });
}

/** A purchase delivered to both vendors, a partial refund, and a trial event dead-lettered at Adjust. */
export async function purchaseRefundAndDeadLetter(
  relay: RelayHarness,
  userId: string,
  ids = { purchase: 'evt_1', refund: 'rf_1', trial: 'evt_trial' },
): Promise<UserStatus> {
  await relay.client.track(purchase(userId, ids.purchase, secondsAgo(30), '4.99', 'USD'));
  await statusWhen(relay, userId, 'purchase delivered to both vendors', (s) => s.lanes.adjust.counts.delivered >= 1 && s.lanes.appsflyer.counts.delivered >= 1);
  await relay.client.refund({ userId, refundId: ids.refund, purchaseEventId: ids.purchase, amount: '4.99', currency: 'USD', occurredAt: secondsAgo(20) });
  await statusWhen(relay, userId, 'refund delivered to both vendors', (s) => s.lanes.adjust.counts.delivered >= 2 && s.lanes.appsflyer.counts.delivered >= 2);
  breakTrialToken(relay);
  await relay.client.track({ userId, eventId: ids.trial, name: 'trial', occurredAt: secondsAgo(10) });
  return statusWhen(relay, userId, 'trial dead-lettered at Adjust', (s) => s.pending === 0 && s.deadLetters.length === 1 && s.counters.delivered >= 5);
}

/** A RelayClient on the harness's connection whose close() leaves that connection open (the CLI closes its client). */
export function sharedClient(relay: RelayHarness): RelayClient {
  const client = new RelayClient(relay.temporal, { taskQueue: relay.taskQueue });
  client.close = async () => undefined;
  return client;
}
