// The user workflow's public interface, defined once and shared by the workflow, the client and the docs
// for other languages (docs/contract.md): workflow type and id scheme, and every message as a signal (fire
// and forget) and an update (answered) of the same name, plus the queries.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Signup } from './contract/install';
import type { AdRevenue, Forget, Redrive, Refund, Track } from './contract/messages';
import type { LaneBatchIds, StillFirstAnswer } from './delivery';
import type { LaneFailureReport, UserSnapshot } from './snapshot';
import type { ForgetAnswer, MessageAnswer, RedriveAnswer, SignupAnswer, TimelineEntry, UserStatus } from './status';

export const USER_WORKFLOW_TYPE = 'userWorkflow';
export { USER_WORKFLOW_PREFIX, userWorkflowId } from './ids';

export interface UserWorkflowInput {
  userId: string;
  /** Set by continue-as-new (and `s2s recover`): the previous run's whole state, settings included. */
  snapshot?: UserSnapshot;
}

export const signals = {
  signup: defineSignal<[Signup]>('signup'),
  track: defineSignal<[Track]>('track'),
  refund: defineSignal<[Refund]>('refund'),
  adRevenue: defineSignal<[AdRevenue]>('adRevenue'),
  /** Also what `temporal workflow signal --query ... --name redrive --input '{}'` sends to many users at once. */
  redrive: defineSignal<[Redrive]>('redrive'),
  /** From the send activities: a send failed and is being retried (what the vendor answered). */
  laneFailure: defineSignal<[LaneFailureReport]>('laneFailure'),
};

export const updates = {
  signup: defineUpdate<SignupAnswer, [Signup]>('signup'),
  track: defineUpdate<MessageAnswer, [Track]>('track'),
  refund: defineUpdate<MessageAnswer, [Refund]>('refund'),
  adRevenue: defineUpdate<MessageAnswer, [AdRevenue]>('adRevenue'),
  redrive: defineUpdate<RedriveAnswer, [Redrive]>('redrive'),
  forget: defineUpdate<ForgetAnswer, [Forget]>('forget'),
};

/** The local activity a forgotten user's workflow runs last (activities/forget.ts): its ledger entries go. */
export interface ForgetActivities {
  forgetLedgerEntries(userHash: string): Promise<number>;
}

export const queries = {
  status: defineQuery<UserStatus>('status'),
  timeline: defineQuery<TimelineEntry[]>('timeline'),
  /** The whole carried state, for `s2s recover` of a closed run. */
  snapshot: defineQuery<UserSnapshot>('snapshot'),
  /** From the combined first attempt, at the end of its settle window: is each lane's batch still first (activities/settle.ts)? */
  stillFirst: defineQuery<StillFirstAnswer, [LaneBatchIds]>('stillFirst'),
};

/** What each handler takes, shown in the Temporal UI (its "Send an Update" dialog) and the workflow metadata. */
export const HANDLER_DESCRIPTIONS = {
  signup:
    'Install context: {"userId","app","platform","installedAt","deviceIds":{...},"appsflyerId"?,"osVersion"?,...}. A repeated signup fills in missing optional fields only.',
  track:
    'An event: {"userId","eventId","name","occurredAt","revenue"?:"4.99","currency"?:"USD","callbackParams"?,"partnerParams"?,"eventValue"?,"sharingFilter"?}. The same eventId twice is one event.',
  refund:
    'A refund: {"userId","refundId","purchaseEventId","amount":"4.99","currency","occurredAt","reason"?}. A refund signal for a purchase not known yet is held for policy.orphanRefundHold.',
  adRevenue: 'Ad revenue for Adjust: {"userId","eventId","occurredAt","revenue","currency","adImpressionsCount","network"?,"unit"?,"placement"?}.',
  redrive: 'Re-queue dead letters after a fix: {"ids":["dlv_..."]} for some, {} for all. Reloads the worker\'s settings first.',
  forget: 'Erase the user: {"userId"}. Stops deliveries and ends the workflow so its runs can be deleted (use `s2s forget`).',
  laneFailure: 'Internal: a send activity reports a failed attempt that will be retried.',
  status: 'Install state, gate, both lanes, dead letters and counters.',
  timeline: 'Every delivery kept, per vendor, with its outcome and the time sent.',
  snapshot: 'The whole state carried across continue-as-new (for s2s recover).',
  stillFirst: 'Internal: whether each lane\'s batch {"adjust"?:[deliveryIds],"appsflyer"?:[...]} is still first in its lane (asked by the first send attempt).',
} as const;
