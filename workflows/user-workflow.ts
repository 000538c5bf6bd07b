// The per-user workflow: wires every message (as a signal and as an update of the same name) and the queries
// to the User that owns the state, then runs its main loop until continue-as-new or forget. Updates are
// checked by synchronous validators against the message contract; handlers take the value the validator
// checked. Signals are checked in the handler and a refused one is recorded, never thrown. An update's answer
// waits for its workflow task to end, so while one is being answered no send runs inside that task
// (workflows/update-watch.ts).
import * as wf from '@temporalio/workflow';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { checkMessage, type MessageName, type MessageOf } from '../domain/contract';
import { InputError, RejectedError, type RefusalDetails } from '../domain/errors';
import { defaultSettings } from '../domain/settings';
import type { LaneFailureReport } from '../domain/snapshot';
import { HANDLER_DESCRIPTIONS, queries, signals, updates, type UserWorkflowInput } from '../domain/workflow-api';
import { handlersFirst } from './handlers-first';
import { settleInAttempt } from './sender';
import { settingsAtStart } from './settings-load';
import { User } from './user';

/** A refusal as the caller receives it: an ApplicationFailure typed RelayInputError / RelayRejectedError with the field issues. */
function refusal(error: unknown): unknown {
  if (error instanceof InputError) {
    const details: RefusalDetails = { message: error.what, issues: error.issues };
    return ApplicationFailure.create({ type: error.type, message: error.message, nonRetryable: true, details: [details] });
  }
  if (error instanceof RejectedError) {
    const details: RefusalDetails = { message: error.what, reason: error.reason, issues: [{ path: error.path, message: error.message }] };
    return ApplicationFailure.create({ type: error.type, message: error.message, nonRetryable: true, details: [details] });
  }
  return error;
}

export async function userWorkflow(input: UserWorkflowInput): Promise<void> {
  // The patches are asked before any handler is set, so their markers are the run's first commands, live and on replay.
  const user = new User(input.userId, defaultSettings(wf.workflowInfo().taskQueue), input.snapshot, {
    handlersFirst: handlersFirst(),
    settleInAttempt: settleInAttempt(),
    settingsAtStart: settingsAtStart(input.snapshot !== undefined),
  });

  /** The contract's checks with what the user knows, then the user's own (right user, room, known purchase). */
  const check = <K extends MessageName>(name: K, raw: unknown): MessageOf<K> => {
    const appKey = name === 'signup' && typeof raw === 'object' && raw !== null ? (raw as { app?: unknown }).app : undefined;
    const result = checkMessage(name, raw, user.ruleContext(typeof appKey === 'string' ? appKey : undefined));
    if (!result.ok) throw new InputError(name, result.issues);
    const userId = (result.value as { userId?: string }).userId;
    if (userId !== undefined) user.checkUser(userId, name);
    user.admit(name, result.value);
    return result.value;
  };
  const validator = (name: MessageName) => (raw: unknown) => {
    try {
      check(name, raw);
    } catch (error) {
      throw refusal(error);
    }
  };
  /** The update's answer, with a refusal found by the handler (after loading the app's settings) typed like a validator's. */
  const answered = async <T>(fn: () => T | Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw refusal(error);
    }
  };
  /** An update's handler, watched: while it runs or has just answered, no send runs inside the workflow task. */
  const onUpdate = <Ret, Args extends unknown[]>(
    def: UpdateDefinition<Ret, Args>,
    handler: (...args: Args) => Ret | Promise<Ret>,
    options: { validator: (...args: Args) => void; description: string },
  ): void => wf.setHandler(def, user.updates.around(handler), options);
  /** A signal's handler: a refused message is recorded (status, metrics, log), never thrown. */
  const signal =
    <K extends MessageName>(name: K, fn: (value: MessageOf<K>) => unknown) =>
    async (raw: unknown) => {
      try {
        await fn(check(name, raw));
      } catch (error) {
        user.rejectSignal(name, raw, error);
      }
    };

  onUpdate(updates.signup, (s) => answered(() => user.signup(s)), { validator: validator('signup'), description: HANDLER_DESCRIPTIONS.signup });
  wf.setHandler(
    signals.signup,
    signal('signup', (s) => user.signup(s)),
    { description: HANDLER_DESCRIPTIONS.signup },
  );

  onUpdate(updates.track, (track) => user.accept({ kind: 'track', track }), { validator: validator('track'), description: HANDLER_DESCRIPTIONS.track });
  wf.setHandler(
    signals.track,
    signal('track', (track) => user.accept({ kind: 'track', track })),
    { description: HANDLER_DESCRIPTIONS.track },
  );

  onUpdate(updates.adRevenue, (adRevenue) => user.accept({ kind: 'adRevenue', adRevenue }), {
    validator: validator('adRevenue'),
    description: HANDLER_DESCRIPTIONS.adRevenue,
  });
  wf.setHandler(
    signals.adRevenue,
    signal('adRevenue', (adRevenue) => user.accept({ kind: 'adRevenue', adRevenue })),
    { description: HANDLER_DESCRIPTIONS.adRevenue },
  );

  const refundValidator = validator('refund');
  onUpdate(updates.refund, (refund) => user.accept({ kind: 'refund', refund }), {
    validator: (raw) => {
      refundValidator(raw);
      const refund = { kind: 'refund' as const, refund: raw };
      const problem = user.refundProblem(refund);
      if (problem) throw refusal(new RejectedError('refund', problem.code, problem.reason, 'purchaseEventId'));
    },
    description: HANDLER_DESCRIPTIONS.refund,
  });
  wf.setHandler(
    signals.refund,
    signal('refund', (body) => {
      const refund = { kind: 'refund' as const, refund: body };
      const problem = user.refundProblem(refund);
      if (problem?.unknown) user.holdRefund(refund);
      else if (problem) throw new RejectedError('refund', problem.code, problem.reason, 'purchaseEventId');
      else user.accept(refund);
    }),
    { description: HANDLER_DESCRIPTIONS.refund },
  );

  onUpdate(updates.redrive, (r) => user.redrive(r.ids), { validator: validator('redrive'), description: HANDLER_DESCRIPTIONS.redrive });
  wf.setHandler(
    signals.redrive,
    signal('redrive', (r) => user.redrive(r.ids)),
    { description: HANDLER_DESCRIPTIONS.redrive },
  );
  onUpdate(updates.forget, () => user.forget(), { validator: validator('forget'), description: HANDLER_DESCRIPTIONS.forget });

  wf.setHandler(
    signals.laneFailure,
    (report: LaneFailureReport) => {
      if (
        typeof report === 'object' &&
        report !== null &&
        (report.destination === 'adjust' || report.destination === 'appsflyer') &&
        typeof report.deliveryId === 'string'
      )
        user.laneFailure(report);
    },
    { description: HANDLER_DESCRIPTIONS.laneFailure },
  );

  wf.setHandler(queries.status, () => user.status(), { description: HANDLER_DESCRIPTIONS.status });
  wf.setHandler(queries.timeline, () => user.timeline(), { description: HANDLER_DESCRIPTIONS.timeline });
  wf.setHandler(queries.snapshot, () => user.snapshot(), { description: HANDLER_DESCRIPTIONS.snapshot });
  wf.setHandler(queries.stillFirst, (batches) => user.stillFirst(typeof batches === 'object' && batches !== null ? batches : {}), {
    description: HANDLER_DESCRIPTIONS.stillFirst,
  });

  if ((await user.run(input.snapshot !== undefined)) === 'forgotten') return;
  await wf.continueAsNew<typeof userWorkflow>({ userId: input.userId, snapshot: user.carry() });
}
