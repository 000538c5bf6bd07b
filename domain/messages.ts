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

export const USER_WORKFLOW_TYPE = 'userWorkflow';
