// The per-user workflow: one long-running execution per app user. It accepts the backend's messages
// (signals and validated updates), holds them until the install context and post-install gate allow,
// keeps one ordered lane per vendor with one batch in flight each, records every outcome, and continues
// as new (after draining in-flight sends and handlers) carrying its whole state.
import * as wf from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { DESTINATIONS, NON_RETRYABLE_SEND_FAILURES, type Destination, type SendActivities } from '../domain/delivery';
import { describeIssues, Refund, TrackEvent } from '../domain/event';
import { InstallContext } from '../domain/install';
import {
  installSignal, redriveUpdate, refundSignal, refundUpdate, signupUpdate, statusQuery, timelineQuery, trackSignal, trackUpdate,
  HANDLER_DESCRIPTIONS,
} from '../domain/messages';
import type { SettingsActivities, WorkflowSettings } from '../domain/settings';
import type { MessageAnswer, SignupAnswer } from '../domain/status';
import type { z } from 'zod';
import { iso, workflowNow } from './clock';
import { deadLetterOrphan, redrive } from './dead-letter';
import { acceptMessage, answerFor, holdOrphanRefund, isDuplicate, recordRejection, refundProblem } from './intake';
import { markSent, planLane, type LanePlan } from './lane';
import { housekeeping } from './housekeeping';
import { recordGateWait } from './metrics';
import { recordOutcome } from './outcome';
import { OpsView } from './publish';
import { routeMessage } from './route';
import { interruptedByCancel, recordSendFailure } from './send-failure';
import { initialState, type Message, type Pending, type UserWorkflowInput } from './state';
import { Alarm } from './alarm';
import { fitForCarry } from './carry';
import { activitySummary, buildStatus, buildTimeline, gateAt } from './view';

const { loadSettings } = wf.proxyLocalActivities<SettingsActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumInterval: '30 seconds' },
});
const send = wf.proxyActivities<SendActivities>({ startToCloseTimeout: '1 minute' });
const SEND_ACTIVITY = { adjust: send.sendToAdjust, appsflyer: send.sendToAppsflyer } as const;

function parseWith<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) throw new Error(`invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}

export async function userWorkflow(input: UserWorkflowInput): Promise<void> {
  const state = input.state ?? initialState(input.userId);
  let settings: WorkflowSettings | undefined;
  let settingsApp: string | undefined;
  let version = 0;
  let draining = false;
  const inFlight: Record<Destination, string[]> = { adjust: [], appsflyer: [] };
  const laneScopes = { adjust: new wf.CancellationScope(), appsflyer: new wf.CancellationScope() };
  const alarm = new Alarm();
  const changed = () => {
    version += 1;
  };

  // ---- intake (synchronous: validators throw, handlers never do) ----
  const checkUser = (userId: string, what: string) => {
    if (userId !== state.userId) throw new Error(`invalid ${what}: userId "${userId}" was sent to the workflow of user "${state.userId}"`);
  };

  const routeHeld = (nowMs: number) => {
    const install = state.install;
    const routing = settings?.routing;
    if (!install || !routing || routing.app !== install.app || state.held.length === 0) return;
    for (const held of state.held.splice(0)) routeMessage(state, held, routing, install, nowMs);
    state.firstHeldAtMs = undefined;
    changed();
  };

  const intake = (message: Message): MessageAnswer => {
    if (isDuplicate(state, message)) {
      state.counters.duplicateMessages += 1;
      return answerFor(state, message, 'duplicate');
    }
    const nowMs = workflowNow();
    acceptMessage(state, message, nowMs);
    if (message.kind === 'event') adoptOrphanRefunds(message.event.eventId, nowMs);
    routeHeld(nowMs);
    changed();
    return answerFor(state, message, 'accepted');
  };

  const adoptOrphanRefunds = (purchaseEventId: string, nowMs: number) => {
    const orphans = state.orphanRefunds.filter((o) => o.refund.purchaseEventId === purchaseEventId);
    if (orphans.length === 0) return;
    state.orphanRefunds = state.orphanRefunds.filter((o) => o.refund.purchaseEventId !== purchaseEventId);
    for (const orphan of orphans) {
      const problem = refundProblem(state, orphan.refund);
      if (problem) {
        // E.g. more than the purchase's amount, or another currency: visible and redrivable, never sent as is.
        deadLetterOrphan(state, orphan, `refund ${orphan.refund.refundId} held for its purchase, which arrived, but: ${problem.reason}`, nowMs);
        wf.log.warn('held refund breaks the refund rules; dead-lettered', { refundId: orphan.refund.refundId, reason: problem.reason });
        continue;
      }
      delete state.dedup[`refund:${orphan.refund.refundId}`];
      acceptMessage(state, { kind: 'refund', refund: orphan.refund }, nowMs);
    }
  };

  const applyInstall = (ctx: InstallContext): SignupAnswer => {
    const existing = state.install;
    if (!existing) {
      state.install = ctx;
      changed();
    }
    const current = state.install as InstallContext;
    const gate = settings && settingsApp === current.app ? gateAt(state, settings) : undefined;
    const answer: SignupAnswer = {
      status: existing ? 'already-signed-up' : 'signed-up',
      userId: current.userId,
      app: current.app,
      installedAt: current.installedAt,
      ...(gate !== undefined ? { gateAt: iso(gate) } : {}),
    };
    if (existing) {
      const differences = (Object.keys(ctx) as Array<keyof InstallContext>).filter((k) => JSON.stringify(ctx[k]) !== JSON.stringify(existing[k]));
      if (differences.length > 0) {
        answer.ignoredDifferences = differences;
        wf.log.warn('repeated signup differs from the first one; the first stays in force', { differences });
      }
    }
    return answer;
  };

  const rejectSignal = (kind: string, raw: unknown, error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    const id = typeof raw === 'object' && raw !== null ? ((raw as Record<string, unknown>).eventId ?? (raw as Record<string, unknown>).refundId) : undefined;
    recordRejection(state, workflowNow(), kind, reason, typeof id === 'string' ? id : undefined);
    wf.log.warn('rejected signal', { kind, reason });
    changed();
  };

  const validateInstall = (raw: unknown) => checkUser(parseWith(InstallContext, raw, 'signup').userId, 'signup');
  const validateTrack = (raw: unknown) => checkUser(parseWith(TrackEvent, raw, 'track event').userId, 'track event');
  const validateRefund = (raw: unknown) => {
    const refund = parseWith(Refund, raw, 'refund');
    checkUser(refund.userId, 'refund');
    if (isDuplicate(state, { kind: 'refund', refund })) return;
    const problem = refundProblem(state, refund);
    if (problem) throw new Error(`invalid refund: ${problem.reason}`);
  };

  wf.setHandler(installSignal, (raw) => {
    try {
      const install = parseWith(InstallContext, raw, 'signup');
      checkUser(install.userId, 'signup');
      applyInstall(install);
    } catch (error) {
      rejectSignal('install', raw, error);
    }
  }, { description: HANDLER_DESCRIPTIONS.install });
  wf.setHandler(signupUpdate, (raw) => applyInstall(InstallContext.parse(raw)), { validator: validateInstall, description: HANDLER_DESCRIPTIONS.signup });

  wf.setHandler(trackSignal, (raw) => {
    try {
      const event = parseWith(TrackEvent, raw, 'track event');
      checkUser(event.userId, 'track event');
      intake({ kind: 'event', event });
    } catch (error) {
      rejectSignal('event', raw, error);
    }
  }, { description: HANDLER_DESCRIPTIONS.track });
  wf.setHandler(trackUpdate, (raw) => intake({ kind: 'event', event: TrackEvent.parse(raw) }), { validator: validateTrack, description: HANDLER_DESCRIPTIONS.trackEvent });

  wf.setHandler(refundSignal, (raw) => {
    try {
      const refund = parseWith(Refund, raw, 'refund');
      checkUser(refund.userId, 'refund');
      const problem = isDuplicate(state, { kind: 'refund', refund }) ? undefined : refundProblem(state, refund);
      if (problem?.unknown) {
        holdOrphanRefund(state, refund, workflowNow());
        changed();
      } else if (problem) {
        throw new Error(`invalid refund: ${problem.reason}`);
      } else {
        intake({ kind: 'refund', refund });
      }
    } catch (error) {
      rejectSignal('refund', raw, error);
    }
  }, { description: HANDLER_DESCRIPTIONS.refund });
  wf.setHandler(refundUpdate, (raw) => {
    const refund = Refund.parse(raw);
    const problem = isDuplicate(state, { kind: 'refund', refund }) ? undefined : refundProblem(state, refund);
    if (problem) throw ApplicationFailure.nonRetryable(`invalid refund: ${problem.reason}`, 'InvalidRefund');
    return intake({ kind: 'refund', refund });
  }, { validator: validateRefund, description: HANDLER_DESCRIPTIONS.refundPurchase });

  wf.setHandler(redriveUpdate, async (request) => {
    // Reload settings first: the operator has usually just fixed the configuration.
    await reloadSettings(true);
    const answer = redrive(state, request?.deliveryIds, workflowNow());
    routeHeld(workflowNow());
    changed();
    return answer;
  }, {
    description: HANDLER_DESCRIPTIONS.redrive,
    validator: (request) => {
      if (request !== undefined && request !== null && (typeof request !== 'object' || (request.deliveryIds !== undefined && !(Array.isArray(request.deliveryIds) && (request.deliveryIds as unknown[]).every((id) => typeof id === 'string'))))) {
        throw new Error('invalid redrive request: expected {"deliveryIds": ["dlv_..."]} or {} for all dead letters');
      }
    },
  });

  wf.setHandler(statusQuery, () => buildStatus(state, settings ?? placeholderSettings(), workflowNow(), inFlight), { description: HANDLER_DESCRIPTIONS.status });
  wf.setHandler(timelineQuery, () => buildTimeline(state), { description: HANDLER_DESCRIPTIONS.timeline });

  // ---- settings ----
  let settingsLoadedAtMs = 0;
  async function reloadSettings(force = false): Promise<void> {
    const app = state.install?.app;
    if (!force && settings && settingsApp === app) return;
    settings = await loadSettings(app);
    settingsApp = app;
    settingsLoadedAtMs = workflowNow();
    if (settings.routingError) wf.log.error('settings problem: messages are held until it is fixed', { problem: settings.routingError });
    changed();
  }

  // ---- lanes ----
  // The main loop pumps both lanes on every wake: plan, then start the next batch (one in flight per lane)
  // or set the alarm for when the head may go. One loop instead of one per lane keeps each workflow task short.
  const sending: Partial<Record<Destination, Promise<void>>> = {};

  function pumpLane(destination: Destination, nowMs: number): void {
    const install = state.install;
    const current = settings;
    if (draining || sending[destination] || !install || !current?.routing || current.routing.app !== install.app) return;
    const lane = state.lanes[destination];
    const before = lane.queue.length;
    const plan: LanePlan = planLane(state, destination, { nowMs, installedAtMs: Date.parse(install.installedAt), gateAtMs: gateAt(state, current) as number, policy: current.policy, routing: current.routing });
    if (lane.queue.length !== before) changed();
    if (plan.kind === 'send') sending[destination] = sendBatch(destination, plan.batch, plan.deadlineMs, current);
    else if (plan.kind === 'wait') alarm.wakeAt(plan.untilMs, `${destination}: ${plan.reason}`);
  }

  async function sendBatch(destination: Destination, batch: Pending[], deadlineMs: number, current: WorkflowSettings): Promise<void> {
    const install = state.install as InstallContext;
    const lane = state.lanes[destination];
    inFlight[destination] = batch.map((p) => p.item.deliveryId);
    changed();
    const nowMs = workflowNow();
    recordGateWait(destination, batch, nowMs);
    for (const pending of batch) pending.item.firstAttemptAtMs ??= nowMs;
    const retry = current.policy.retry;
    try {
      const result = await laneScopes[destination].run(() =>
        SEND_ACTIVITY[destination].executeWithOptions(
          {
            taskQueue: current.taskQueues[destination],
            summary: activitySummary(destination, batch.map((p) => p.item), current),
            // One attempt timeout whatever the batch size: the activity stops early (returning what it sent) when
            // less than one request's worst case is left, so a batch lost with its worker is retried within this.
            startToCloseTimeout: retry.attemptTimeoutMs,
            // The activity itself ends retries at the deadline (S2SDeadlinePassed, with the vendor's last
            // answer); this is the backstop, one attempt later, e.g. when no worker ran until past it.
            scheduleToCloseTimeout: Math.max(1_000, deadlineMs - nowMs) + retry.attemptTimeoutMs,
            cancellationType: wf.ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            retry: {
              initialInterval: retry.initialIntervalMs,
              backoffCoefficient: retry.backoffCoefficient,
              maximumInterval: retry.maximumIntervalMs,
              nonRetryableErrorTypes: NON_RETRYABLE_SEND_FAILURES,
            },
          },
          [{ app: install.app, user: install, items: batch.map((p) => p.item), deadlineMs }],
        ),
      );
      const doneAt = workflowNow();
      const possiblyAccepted = new Set(result.possiblyAccepted ?? []);
      for (const pending of batch) if (possiblyAccepted.has(pending.item.deliveryId)) pending.item.resend = true;
      result.receipts.forEach((receipt, i) => {
        const pending = batch[i];
        if (!pending || pending.item.deliveryId !== receipt.deliveryId) return;
        removeFromQueue(destination, pending);
        if (receipt.outcome === 'delivered' || receipt.outcome === 'duplicate') markSent(lane, pending, current.routing!);
        recordOutcome(state, pending, { outcome: receipt.outcome, status: receipt.status, detail: receipt.answer, attempts: receipt.attempt }, doneAt);
      });
    } catch (error) {
      if (wf.isCancellation(error) || interruptedByCancel(error)) {
        // Continue-as-new drain: the items stay queued. An attempt on a worker that died may have reached the
        // vendor without its answer reaching us, so the next send is marked as a possible resend.
        for (const pending of batch) pending.item.resend = true;
        return;
      }
      const head = batch[0] as Pending;
      removeFromQueue(destination, head);
      if (recordSendFailure(state, destination, head, error, workflowNow()).laneStopped) {
        wf.log.warn('device opted out; lane stopped', { destination });
      }
    } finally {
      inFlight[destination] = [];
      delete sending[destination];
      changed();
    }
  }

  function removeFromQueue(destination: Destination, pending: Pending): void {
    const queue = state.lanes[destination].queue;
    const index = queue.indexOf(pending);
    if (index >= 0) queue.splice(index, 1);
  }

  // ---- ops view ----
  const opsView = new OpsView();
  const publish = () => opsView.publish(state, settings ?? placeholderSettings(), workflowNow(), inFlight);

  function placeholderSettings(): WorkflowSettings {
    return { policy: { postInstallDelayMs: 0 } as WorkflowSettings['policy'], taskQueues: { adjust: '', appsflyer: '' } };
  }

  const shouldContinueAsNew = () => {
    const info = wf.workflowInfo();
    const cap = settings?.policy.maxHistoryEvents ?? 0;
    return info.continueAsNewSuggested || (cap > 0 && info.historyLength >= cap);
  };

  // ---- main loop ----
  await reloadSettings(true);
  for (;;) {
    if (state.install && settingsApp !== state.install.app) await reloadSettings();
    // The app is missing from the worker's configuration: messages stay held; look again now and then,
    // so they flow once an operator fixes the configuration and restarts the workers.
    if (settings?.routingError && workflowNow() >= settingsLoadedAtMs + settings.policy.settingsRetryMs) await reloadSettings(true);
    const nowMs = workflowNow();
    routeHeld(nowMs);
    for (const destination of DESTINATIONS) pumpLane(destination, nowMs);
    const kept = housekeeping(state, (settings as WorkflowSettings).policy, nowMs);
    if (kept.changed) changed();
    publish();
    if (shouldContinueAsNew()) break;
    const seen = version;
    const rung = alarm.rung;
    const settingsRetry = settings?.routingError ? { atMs: settingsLoadedAtMs + settings.policy.settingsRetryMs, why: 'reload settings: the app is missing from the worker configuration' } : undefined;
    const next = kept.next && settingsRetry ? (settingsRetry.atMs < kept.next.atMs ? settingsRetry : kept.next) : (kept.next ?? settingsRetry);
    if (next) alarm.wakeAt(next.atMs, next.why);
    await wf.condition(() => version !== seen || alarm.rung !== rung || shouldContinueAsNew() || (state.install !== undefined && settingsApp !== state.install.app));
  }

  // Drain: stop starting sends, let in-flight ones finish or cancel cleanly, finish handlers, carry state.
  draining = true;
  for (const scope of Object.values(laneScopes)) scope.cancel();
  await Promise.all(Object.values(sending));
  await wf.condition(wf.allHandlersFinished);
  state.counters.continuedAsNew += 1;
  const limit = (settings as WorkflowSettings).policy.maxCarriedStateBytes;
  const fit = fitForCarry(state, limit);
  if (fit.pruned > 0) wf.log.warn('carried state over policy.maxCarriedStateKiB: forgot the oldest finished dedup entries', { pruned: fit.pruned, bytes: fit.bytes, limit });
  if (fit.bytes > limit) wf.log.error('carried state is still over policy.maxCarriedStateKiB (queued, held or dead-lettered messages); continue-as-new may be refused', { bytes: fit.bytes, limit });
  publish();
  await wf.continueAsNew<typeof userWorkflow>({ userId: state.userId, state });
}
