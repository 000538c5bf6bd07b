// The client package's public entry (@s2s-relay/client, built by scripts/build-client.ts): what a backend in
// another repository imports to sign users up and send events, refunds and ad revenue to the relay. It pulls
// in only client-side code: the typed client, its errors, the message contract, the workflow's names and the
// answers' types; never the worker, the activities or the workflow code. docs/contract.md is its manual.

// ---- the client ----
export { RelayClient, checkInput, type RelayClientOptions, type RecoverAnswer } from './relay-client';
export {
  RelayError,
  RelayInputError,
  RelayRejectedError,
  RelayUnknownUserError,
  RelayClosedWorkflowError,
  RelayNotClosedError,
  RelayWorkflowNotReadyError,
} from './errors';
export { TemporalSettings, readTemporalSettings, connectionOptions, describeConnection, type TemporalConnectionOptions } from './connection';
export { OPS_QUERIES, findUsers, usersWithDeadLetters, type UserListing, type DeadLetterUser } from './ops-queries';

// ---- the message contract (zod schemas; the same definitions are published as JSON Schema) ----
export {
  MESSAGES,
  checkMessage,
  ruleIssues,
  describeIssues,
  LIMITS,
  AMENDABLE_FIELDS,
  Signup,
  Track,
  Refund,
  AdRevenue,
  Redrive,
  Forget,
  type MessageName,
  type MessageOf,
  type Checked,
  type FieldIssue,
  type RuleContext,
} from '../domain/contract';
export { Platform, DeviceIds, type AmendableField } from '../domain/contract/install';
export { MAX_REVENUE, MIN_ADJUST_REVENUE, MAX_DECIMALS } from '../domain/contract/limits';
export { RelayConfig, Policy, DEFAULT_POLICY, type RelayConfigInput, type AppConfig, type PublicAppConfig } from '../domain/config';

// ---- the workflow's interface: type, id scheme, signals, updates, queries ----
export {
  USER_WORKFLOW_TYPE,
  USER_WORKFLOW_PREFIX,
  userWorkflowId,
  signals,
  updates,
  queries,
  HANDLER_DESCRIPTIONS,
  type UserWorkflowInput,
} from '../domain/workflow-api';
export { RefusalType, type RefusalDetails } from '../domain/errors';
export { SA, SEARCH_ATTRIBUTE_DEFINITIONS, USER_STATES, PUBLISHED_STATES, type UserStateKeyword, type PublishedState } from '../domain/search-attributes';

// ---- the answers ----
export type {
  SignupAnswer,
  MessageAnswer,
  RedriveAnswer,
  ForgetAnswer,
  UserStatus,
  TimelineEntry,
  DeliveryView,
  DeliveryOutcome,
  DeadLetterView,
  LaneView,
  Counters,
} from '../domain/status';
export type { Destination, MessageKind } from '../domain/delivery';
export type { UserSnapshot } from '../domain/snapshot';
