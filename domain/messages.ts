// The user workflow's messages, defined once and shared by the workflow and the client: signals (fire and
// forget), updates (validated synchronously, answered) and queries.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { InstallContextInput } from './install';
import type { RefundInput, TrackEventInput } from './event';
import type { MessageAnswer, RedriveAnswer, SignupAnswer, TimelineEntry, UserStatus } from './status';

export const installSignal = defineSignal<[InstallContextInput]>('install');
export const trackSignal = defineSignal<[TrackEventInput]>('track');
export const refundSignal = defineSignal<[RefundInput]>('refund');

export const signupUpdate = defineUpdate<SignupAnswer, [InstallContextInput]>('signup');
export const trackUpdate = defineUpdate<MessageAnswer, [TrackEventInput]>('trackEvent');
export const refundUpdate = defineUpdate<MessageAnswer, [RefundInput]>('refundPurchase');
export interface RedriveRequest {
  /** Dead letters to redrive; all of them when empty or absent. */
  deliveryIds?: string[];
}
export const redriveUpdate = defineUpdate<RedriveAnswer, [RedriveRequest]>('redrive');

export const statusQuery = defineQuery<UserStatus>('status');
export const timelineQuery = defineQuery<TimelineEntry[]>('timeline');

/** What each handler takes, shown in the Temporal UI (e.g. its "Send an Update" dialog) and workflow metadata. */
export const HANDLER_DESCRIPTIONS = {
  install: 'Install context (signup) as a signal: {"userId","app","platform","installedAt","deviceIds","appsflyerId"?,...}. Invalid input is rejected and counted.',
  signup: 'Record the user\'s install context: {"userId","app","platform","installedAt","deviceIds":{...},"appsflyerId"?,"osVersion"?,...}. A repeated signup is a no-op.',
  track: 'An event as a signal: {"userId","eventId","name","occurredAt","revenue"?,"currency"?}. Invalid input is rejected and counted.',
  trackEvent: 'Record an event: {"userId","eventId","name","occurredAt","revenue"?,"currency"?,"callbackParams"?,"partnerParams"?,"eventValue"?}. The same eventId twice answers duplicate.',
  refund: 'A refund as a signal: {"userId","refundId","purchaseEventId","amount","currency","occurredAt"}. A refund for a purchase not known yet is held for policy.orphanRefundHold.',
  refundPurchase: 'Refund (part of) a purchase: {"userId","refundId","purchaseEventId","amount","currency","occurredAt"}. Rejected for an unknown purchase, another currency or more than remains.',
  redrive: 'Re-queue dead letters after a fix: {"deliveryIds":["dlv_..."]} for some, {} for all. Reloads the worker\'s settings first.',
  status: 'Install state, gate, both lanes, dead letters and counters.',
  timeline: 'Every delivery kept in the dedup window, per vendor, with its outcome.',
} as const;

export const USER_WORKFLOW_TYPE = 'userWorkflow';
