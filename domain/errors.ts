// Every error of the relay's server side (workflow, activities, worker) in one place. Each has a `name`
// (its class) and a `type`: the Temporal failure type it travels as when it crosses to another process, so
// a caller in any language can branch on the type. The client's exceptions are in client/errors.ts.
import type { FieldIssue } from './contract/issues';

/** A dead letter's reason when a delivery's retries ran into its deadline: with the vendor's last answer. */
export function retryDeadlineReason(lastError: string): string {
  return `retry deadline passed (the vendor's age limit for this event); last error: ${lastError}`;
}

/** The failure types a send activity ends an attempt with (ApplicationFailure.type), and what each means. */
export const SendFailureType = {
  /** The vendor will never accept this data (e.g. invalid token, bad revenue). Dead-lettered. */
  rejected: 'S2SRejected',
  /** The builder refused to build a request the vendor would reject. Dead-lettered. */
  invalidRequest: 'S2SInvalidRequest',
  /** 451: the device opted out. The lane stops for this user. */
  optedOut: 'S2SOptedOut',
  /** Device not found for longer than the configured maximum. Dead-lettered. */
  deviceNotFound: 'S2SDeviceNotFound',
  /** Retryable: 401, app inactive, app token not found, tracking disabled, AppsFlyer auth. Retried slowly. */
  misconfigured: 'S2SMisconfigured',
  /** Retryable: Adjust does not know the device yet (install not processed). */
  deviceNotYetKnown: 'S2SDeviceNotYetKnown',
  /** Retryable: network errors, timeouts, 429, 5xx, unknown answers. */
  transient: 'S2STransient',
  /** A retryable failure whose next retry would pass the delivery's deadline. Dead-lettered with that last answer. */
  deadlinePassed: 'S2SDeadlinePassed',
} as const;
export type SendFailureType = (typeof SendFailureType)[keyof typeof SendFailureType];

export const NON_RETRYABLE_SEND_FAILURES: string[] = [
  SendFailureType.rejected,
  SendFailureType.invalidRequest,
  SendFailureType.optedOut,
  SendFailureType.deviceNotFound,
  SendFailureType.deadlinePassed,
];

/** Details attached to every send failure (first element of ApplicationFailure.details). */
export interface SendFailureDetails {
  deliveryId: string;
  status?: number;
  /** The vendor's answer or the local reason, never a secret. */
  message: string;
  attempt: number;
  /** S2SDeadlinePassed: the failure type the last attempt would have been retried as. */
  lastType?: SendFailureType;
}

/** Failure types of a refused message (update failures; see client/errors.ts for the client's classes). */
export const RefusalType = {
  /** The message breaks a contract rule: fix the message. Details: RefusalDetails with the field issues. */
  input: 'RelayInputError',
  /** The message is valid but this user's state refuses it (unknown purchase, backlog full...). */
  rejected: 'RelayRejectedError',
} as const;

/** Details of a RelayInputError / RelayRejectedError failure (the first element of its details). */
export interface RefusalDetails {
  /** Which message: signup, track, refund, adRevenue, redrive, forget. */
  message: string;
  issues: FieldIssue[];
  /** RelayRejectedError: a short machine-readable reason, e.g. `unknown-purchase`, `backlog-full`. */
  reason?: string;
}

/** A message broke a contract rule (raised by validators; crosses to callers as RelayInputError). */
export class InputError extends Error {
  override readonly name = 'InputError';
  readonly type = RefusalType.input;
  constructor(
    readonly what: string,
    readonly issues: FieldIssue[],
  ) {
    super(`invalid ${what}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** A valid message this user's state refuses (crosses to callers as RelayRejectedError). */
export class RejectedError extends Error {
  override readonly name = 'RejectedError';
  readonly type = RefusalType.rejected;
  constructor(
    readonly what: string,
    readonly reason: string,
    message: string,
    readonly path = '(message)',
  ) {
    super(`${what} refused: ${message}`);
  }
}

/** The builder refused: the vendor would reject this request. Never retried; the delivery is dead-lettered. */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  readonly type = SendFailureType.invalidRequest;
  constructor(
    /** The input field at fault, e.g. `revenue`, `user.appsflyerId`, `adjust.refundToken`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The app's vendor section or secret is missing in the worker's configuration: an operator can fix it. */
export class VendorConfigMissingError extends Error {
  override readonly name = 'VendorConfigMissingError';
  readonly type = SendFailureType.misconfigured;
}

/** The relay configuration file (or the worker's environment) is invalid; every problem is listed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly type = 'RelayConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
