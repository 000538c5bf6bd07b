// One app user, as its workflow knows it: install context, settings, the inbox of messages waiting for the
// signup or their purchase, the dedup window, refundable purchases, the deliveries (lanes, outcomes, dead
// letters) and counters, with the behaviour of every message. Handlers (user-workflow.ts) call the methods
// here with values the contract already checked; run() routes, sends, keeps house and publishes.
import * as wf from '@temporalio/workflow';
import { asMessage, ruleIssues, type MessageName, type MessageOf } from '../domain/contract';
import type { Signup } from '../domain/contract/install';
import type { RuleContext } from '../domain/contract/rules';
import { jsonBytes } from '../domain/contract/text';
import { CARRIED_STATE_LIMIT_BYTES } from '../domain/config';
import { dedupKey, messageBody, messageId, DESTINATIONS, type Destination, type LaneBatchIds, type Message, type StillFirstAnswer } from '../domain/delivery';
import { InputError, RejectedError } from '../domain/errors';
import { deliveryId, messageLetterId, userHash } from '../domain/ids';
import type { DeadLetterRecord, HeldMessage, LaneFailureReport, Rejection, UserSnapshot } from '../domain/snapshot';
import type { WorkflowSettings } from '../domain/settings';
import {
  emptyCounters,
  type Counters,
  type DeadLetterView,
  type ForgetAnswer,
  type MessageAnswer,
  type RedriveAnswer,
  type SignupAnswer,
  type TimelineEntry,
  type UserStatus,
} from '../domain/status';
import type { ForgetActivities } from '../domain/workflow-api';
import { Alarm } from './alarm';
import { amend } from './amend';
import { isoTime, workflowNow } from './clock';
import { continueAsNewDue } from './continue-as-new';
import { DedupWindow } from './dedup';
import { Deliveries } from './deliveries';
import { untilHandlersFinished } from './handlers-first';
import { Inbox, type RefundMessage } from './inbox';
import type { Lane } from './lane';
import { countDeadLetter, countForgotten } from './metrics';
import { OpsView } from './ops-view';
import { Purchases } from './purchases';
import { loadSettings, type SettingsLoad } from './settings-load';
import { buildStatus, currentDetails, gateAtMs, publishedState, type UserFacts } from './status-view';
import { UpdateWatch } from './update-watch';

const { forgetLedgerEntries } = wf.proxyLocalActivities<ForgetActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumInterval: '10 seconds' } });

const MAX_REJECTIONS_KEPT = 50;
const DAY_MS = 86_400_000;

export class User implements UserFacts {
  readonly userId: string;
  settings: WorkflowSettings;
  install: Signup | undefined;
  readonly counters: Counters;
  rejections: Rejection[];
  private seq: number;
  private readonly inbox: Inbox;
  private readonly dedup: DedupWindow;
  private readonly purchases: Purchases;
  private readonly deliveries: Deliveries;
  private readonly alarm = new Alarm();
  private readonly ops = new OpsView();
  private settingsLoadedAtMs = 0;
  private loading: Promise<void> = Promise.resolve();
  private version = 0;
  private forgetting = false;
  private lastPrunedDay = -1;
  /** Update handlers running or just answered: no send inside the workflow task then. */
  readonly updates = new UpdateWatch();
  /** The main loop waits for running handlers before it acts (workflows/handlers-first.ts); off for older runs. */
  private readonly handlersFirst: boolean;
  /** How a run started with a snapshot reloads its settings (workflows/settings-load.ts). */
  private readonly settingsAtStart: SettingsLoad;

  constructor(
    userId: string,
    settings: WorkflowSettings,
    snapshot?: UserSnapshot,
    options: { handlersFirst?: boolean; settleInAttempt?: boolean; settingsAtStart?: SettingsLoad } = {},
  ) {
    this.userId = userId;
    this.handlersFirst = options.handlersFirst ?? false;
    this.settingsAtStart = options.settingsAtStart ?? 'local';
    this.settings = snapshot?.settings ?? settings;
    this.install = snapshot?.install;
    this.seq = snapshot?.seq ?? 0;
    this.counters = snapshot?.counters ?? emptyCounters();
    this.rejections = snapshot?.rejections ?? [];
    this.inbox = new Inbox(snapshot);
    this.dedup = DedupWindow.from(snapshot?.dedup);
    this.purchases = Purchases.from(snapshot?.purchases);
    this.deliveries = new Deliveries(
      snapshot,
      this.counters,
      this.purchases,
      () => this.settings,
      () => this.changed(),
      options.settleInAttempt ?? false,
    );
  }

  // ---- facts for the views (UserFacts) ----
  get lanes(): Record<Destination, Lane> {
    return this.deliveries.lanes;
  }
  get inFlight(): Record<Destination, string[]> {
    return this.deliveries.inFlight;
  }
  get heldCount(): number {
    return this.inbox.heldCount;
  }
  get orphanRefundCount(): number {
    return this.inbox.orphanCount;
  }
  get pendingCount(): number {
    return this.inbox.heldCount + this.inbox.orphanCount + this.deliveries.queued;
  }
  get deadLetters(): DeadLetterView[] {
    return this.deliveries.letters.views();
  }
  get dedupFacts(): UserFacts['dedupFacts'] {
    return { entries: this.dedup.size, ...(this.dedup.shortenedSinceDay !== undefined ? { sinceDay: this.dedup.shortenedSinceDay } : {}) };
  }
  /** Bytes of undelivered messages: held, waiting refunds, queued, dead letters. */
  get backlogBytes(): number {
    return this.inbox.bytes + this.deliveries.bytes;
  }

  private changed(): void {
    this.version += 1;
  }

  // ---- the contract's rules, with what this user knows ----
  ruleContext(forApp?: string): RuleContext {
    const s = this.settings;
    const appKey = forApp ?? this.install?.app;
    const ctx: RuleContext = { nowMs: workflowNow(), policy: s.policy };
    if (appKey !== undefined && s.appKey === appKey) {
      ctx.appKey = appKey;
      if (s.app) ctx.app = s.app;
      if (s.appProblem) ctx.appProblem = s.appProblem;
    }
    if (this.install) ctx.install = this.install;
    return ctx;
  }

  checkUser(userId: string, what: string): void {
    if (userId !== this.userId) throw new InputError(what, [{ path: 'userId', message: `"${userId}" was sent to the workflow of user "${this.userId}"` }]);
  }

  /** What a valid message must also meet here: the user not being forgotten, and room in the backlog. */
  admit(name: MessageName, value: MessageOf<MessageName>): void {
    if (this.forgetting) throw new RejectedError(name, 'forgotten', `user "${this.userId}" is being forgotten; nothing more is accepted`);
    const message = asMessage(name, value);
    if (!message || this.isDuplicate(message)) return;
    const limit = this.settings.policy.maxUndeliveredKiB * 1024;
    if (this.backlogBytes + jsonBytes(value) > limit) {
      throw new RejectedError(
        name,
        'backlog-full',
        `user "${this.userId}" has ${Math.round(this.backlogBytes / 1024)} KiB of undelivered messages (held, queued and dead letters); policy.maxUndeliveredKiB is ${limit / 1024}: redrive or fix the dead letters, then send again`,
      );
    }
  }

  // ---- settings ----
  /** Loads settings for `appKey` unless already loaded for it (one load at a time; `undefined`: any app). */
  ensureSettings(appKey: string | undefined, force = false, how: SettingsLoad = 'local'): Promise<void> {
    this.loading = this.loading.then(async () => {
      // An app the configuration did not have is looked up again: the operator may have added it since.
      // No app asked for (a run's start before any signup): whatever was loaded will do.
      if (!force && this.settingsLoadedAtMs > 0 && (appKey === undefined || this.settings.appKey === appKey) && !this.settings.appProblem) return;
      this.settings = await loadSettings(appKey, how);
      this.settingsLoadedAtMs = workflowNow();
      if (this.settings.appProblem) wf.log.error('settings problem: messages are held until it is fixed', { problem: this.settings.appProblem });
      this.changed();
    });
    return this.loading;
  }

  // ---- messages ----
  async signup(s: Signup): Promise<SignupAnswer> {
    this.checkUser(s.userId, 'signup');
    if (!this.install) {
      await this.ensureSettings(s.app);
      if (!this.install) {
        const issues = ruleIssues('signup', s, this.ruleContext(s.app));
        if (issues.length > 0) throw new InputError('signup', issues);
        this.install = s;
        this.changed();
        return this.signupAnswer('signed-up');
      }
    }
    const result = amend(this.install, s);
    if (result.amended.length > 0) {
      const issues = ruleIssues('signup', result.install, this.ruleContext());
      if (issues.length > 0) throw new InputError('signup', issues);
      this.install = result.install;
      this.changed();
    }
    if (result.ignored.length > 0) wf.log.warn('repeated signup differs from the one in force; those fields are kept', { differences: result.ignored });
    return this.signupAnswer('already-signed-up', result.amended, result.ignored);
  }

  private signupAnswer(status: SignupAnswer['status'], amended: SignupAnswer['amended'] = [], ignored: string[] = []): SignupAnswer {
    const install = this.install as Signup;
    return {
      status,
      userId: this.userId,
      app: install.app,
      installedAt: install.installedAt,
      gateAt: isoTime(gateAtMs(install, this.settings) as number),
      ...(amended.length > 0 ? { amended } : {}),
      ...(ignored.length > 0 ? { ignoredDifferences: ignored } : {}),
    };
  }

  isDuplicate(message: Message): boolean {
    if (this.dedup.lookup(dedupKey(message))) return true;
    return message.kind === 'track' && this.purchases.has(message.track.eventId);
  }

  /** Accepts an event-like message once (a repeat answers `duplicate`), then routes it if the user's app is known. */
  accept(message: Message): MessageAnswer {
    if (this.isDuplicate(message)) {
      this.counters.duplicateMessages += 1;
      return this.answer(message, 'duplicate');
    }
    const nowMs = workflowNow();
    this.dedup.remember(dedupKey(message), message, nowMs);
    this.counters.received += 1;
    if (message.kind === 'track') this.purchases.recordIfPurchase(message.track, nowMs);
    if (message.kind === 'refund') {
      this.purchases.applyRefund(message.refund);
      this.counters.refunds += 1;
    }
    this.inbox.hold({ message, arrivedAtMs: nowMs, seq: (this.seq += 1) }, !this.install);
    if (message.kind === 'track') this.adoptRefunds(message.track.eventId, nowMs);
    this.routeHeld(nowMs);
    this.changed();
    return this.answer(message, 'accepted');
  }

  /** A refund signal whose purchase is not known yet: held for policy.orphanRefundHold in case it is on its way. */
  holdRefund(message: RefundMessage): void {
    const nowMs = workflowNow();
    this.dedup.remember(dedupKey(message), message, nowMs);
    this.inbox.holdRefund({ message, arrivedAtMs: nowMs, seq: (this.seq += 1) });
    this.changed();
  }

  refundProblem(message: RefundMessage) {
    return this.isDuplicate(message) ? undefined : this.purchases.problem(message.refund);
  }

  private answer(message: Message, status: MessageAnswer['status']): MessageAnswer {
    const key = dedupKey(message);
    const entry = this.dedup.lookup(key);
    const purchase = message.kind === 'track' ? this.purchases.get(message.track.eventId) : undefined;
    const day = entry?.day ?? Math.floor((purchase?.atMs ?? workflowNow()) / DAY_MS);
    const deliveries = DESTINATIONS.map((d) => this.deliveries.outcomes.view(deliveryId(this.userId, key, d))).filter((v) => v !== undefined);
    const out: MessageAnswer = {
      status,
      kind: message.kind,
      id: messageId(message),
      receivedOn: isoTime(day * DAY_MS).slice(0, 10),
      held: this.inbox.has(key),
      deliveries,
    };
    if (status === 'duplicate' && entry && entry.content !== DedupWindow.fingerprint(message)) out.conflictingDuplicate = true;
    return out;
  }

  rejectSignal(kind: string, raw: unknown, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    const body = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const id = body.eventId ?? body.refundId;
    this.counters.rejectedMessages += 1;
    this.rejections.push({ atMs: workflowNow(), kind, reason: reason.slice(0, 500), ...(typeof id === 'string' ? { id: id.slice(0, 128) } : {}) });
    if (this.rejections.length > MAX_REJECTIONS_KEPT) this.rejections.splice(0, this.rejections.length - MAX_REJECTIONS_KEPT);
    wf.log.warn('rejected signal', { kind, reason });
    this.changed();
  }

  /** A purchase arrived: the refunds held for it are accepted, or dead-lettered when they break the refund rules. */
  private adoptRefunds(purchaseEventId: string, nowMs: number): void {
    for (const held of this.inbox.takeRefundsFor(purchaseEventId)) {
      const refund = held.message as RefundMessage;
      const problem = this.purchases.problem(refund.refund);
      if (problem) {
        // E.g. more than the purchase's amount, or another currency: visible and redrivable, never sent as is.
        this.deadLetterHeld(held, `refund ${refund.refund.refundId} held for its purchase, which arrived, but: ${problem.reason}`, nowMs, true);
        continue;
      }
      this.dedup.forget(dedupKey(refund));
      this.accept(refund);
    }
  }

  /** Routes what the inbox holds once the install context and the app's settings are known. */
  private routeHeld(nowMs: number): void {
    const install = this.install;
    const s = this.settings;
    if (!install || s.appKey !== install.app || !s.app || this.inbox.heldCount === 0) return;
    for (const held of this.inbox.takeHeld()) {
      // Messages accepted before the signup meet the app's rules now.
      const issues = ruleIssues(held.message.kind, messageBody(held.message) as never, { ...this.ruleContext(), nowMs });
      if (issues.length > 0) {
        this.deadLetterHeld(
          held,
          `checked against app "${install.app}" when the signup arrived: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          nowMs,
        );
        continue;
      }
      this.deliveries.route(held, install, nowMs);
    }
    this.changed();
  }

  private deadLetterHeld(held: HeldMessage, reason: string, nowMs: number, unaccepted = false): void {
    this.deliveries.letters.add({
      id: messageLetterId(this.userId, dedupKey(held.message)),
      held,
      reason,
      atMs: nowMs,
      redrives: 0,
      ...(unaccepted ? { unaccepted: true as const } : {}),
    });
    this.counters.deadLettered += 1;
    countDeadLetter('none');
    wf.log.warn('message dead-lettered before reaching a lane', { messageId: messageId(held.message), reason });
    this.changed();
  }

  // ---- redrive, forget, lane failures ----
  async redrive(ids: readonly string[] | undefined): Promise<RedriveAnswer> {
    // Reload first: the operator has usually just fixed the configuration.
    await this.ensureSettings(this.install?.app, true);
    const nowMs = workflowNow();
    const { taken, notFound } = this.deliveries.letters.take(ids);
    const redriven: string[] = [];
    const refused: string[] = [];
    for (const letter of taken) {
      const kept = this.requeue(letter, nowMs);
      if (kept) {
        this.deliveries.letters.putBack(kept);
        refused.push(letter.id);
      } else {
        redriven.push(letter.id);
        this.counters.redriven += 1;
      }
    }
    this.routeHeld(nowMs);
    this.changed();
    return { redriven, notFound, ...(refused.length > 0 ? { refused } : {}) };
  }

  /** Re-queues one dead letter; returns the record to keep when it cannot be (a refund that still breaks the rules). */
  private requeue(letter: DeadLetterRecord, nowMs: number): DeadLetterRecord | undefined {
    const held = letter.held;
    if (held && letter.unaccepted && held.message.kind === 'refund') {
      const refund = held.message as RefundMessage;
      const problem = this.purchases.problem(refund.refund);
      if (problem && !problem.unknown) return { ...letter, reason: `redrive refused: ${problem.reason}`, atMs: nowMs, redrives: letter.redrives + 1 };
      this.dedup.forget(dedupKey(refund));
      if (problem) this.holdRefund(refund);
      else this.accept(refund);
    } else if (letter.item) {
      this.deliveries.requeue({ ...letter, item: letter.item }, (this.seq += 1), nowMs);
    } else if (held) {
      this.inbox.hold({ ...held, arrivedAtMs: nowMs }, !this.install);
    }
    return undefined;
  }

  async forget(): Promise<ForgetAnswer> {
    this.forgetting = true;
    const dropped = this.pendingCount;
    const inFlight = await this.deliveries.stop();
    // Once nothing is sending, the worker deletes what its delivery ledger holds for this user.
    const ledgerEntriesDeleted = await forgetLedgerEntries(userHash(this.userId));
    countForgotten();
    this.changed();
    return { userId: this.userId, dropped, inFlight, ledgerEntriesDeleted };
  }

  laneFailure(report: LaneFailureReport): void {
    this.deliveries.laneFailure(report, workflowNow());
  }

  // ---- queries ----
  status(): UserStatus {
    return buildStatus(this, workflowNow());
  }
  timeline(): TimelineEntry[] {
    return this.deliveries.outcomes.timeline();
  }
  /** Whether each batch is still first in its lane; never while forgetting or holding a message not routed yet. */
  stillFirst(batches: LaneBatchIds): StillFirstAnswer {
    return this.deliveries.stillFirst(batches, this.forgetting || this.inbox.heldCount > 0);
  }
  snapshot(): UserSnapshot {
    const d = this.deliveries;
    return {
      version: 2,
      userId: this.userId,
      settings: this.settings,
      ...(this.install ? { install: this.install } : {}),
      seq: this.seq,
      ...this.inbox.toJSON(),
      lanes: { adjust: d.lanes.adjust.toJSON(), appsflyer: d.lanes.appsflyer.toJSON() },
      dedup: this.dedup.toJSON(),
      purchases: this.purchases.toJSON(),
      deadLetters: d.letters.toJSON(),
      outcomes: d.outcomes.toJSON(),
      rejections: this.rejections,
      counters: this.counters,
    };
  }

  /**
   * The snapshot continue-as-new carries. The policy's bounds keep it well under Temporal's 2 MiB payload limit
   * (checked when the configuration loads); should it still be over, the display-only outcome log and the
   * rejection list go first, never a message.
   */
  carry(): UserSnapshot {
    const snapshot = this.snapshot();
    const bytes = jsonBytes(snapshot);
    if (bytes <= CARRIED_STATE_LIMIT_BYTES) return snapshot;
    wf.log.error('carried state over its limit: dropping the finished outcome log and the rejection list', { bytes, limit: CARRIED_STATE_LIMIT_BYTES });
    return { ...snapshot, outcomes: snapshot.outcomes.filter((o) => o.outcome === 'pending'), rejections: [] };
  }

  // ---- main loop ----
  async run(continued: boolean): Promise<'continue' | 'forgotten'> {
    if (continued) await this.ensureSettings(this.install?.app, true, this.settingsAtStart);
    else if (!this.install) await this.ensureSettings(undefined);
    while (!this.forgetting) {
      const install = this.install;
      if (install && this.settings.appKey !== install.app) await this.ensureSettings(install.app);
      // The app is missing from the configuration: look again now and then, so held messages flow once fixed.
      if (this.settings.appProblem && workflowNow() >= this.settingsLoadedAtMs + this.settings.policy.settingsRetryInterval)
        await this.ensureSettings(install?.app, true);
      // Handlers answer first, then the loop acts, whatever activations the messages came in (handlers-first.ts).
      const handlers = this.handlersFirst ? untilHandlersFinished() : undefined;
      if (handlers) {
        await handlers;
        continue;
      }
      const nowMs = workflowNow();
      this.routeHeld(nowMs);
      // A run about to continue as new starts no send: the drain would cancel it before it was ever scheduled.
      const continuing = this.shouldContinueAsNew();
      if (!continuing && install && this.settings.appKey === install.app) this.deliveries.pump(install, nowMs, this.alarm, this.updates.mayHoldTask());
      const next = this.housekeeping(nowMs);
      this.publish(nowMs);
      if (continuing) break;
      const seen = this.version;
      const rung = this.alarm.rung;
      if (next) this.alarm.wakeAt(next.atMs, next.why);
      await wf.condition(() => this.version !== seen || this.alarm.rung !== rung || this.shouldContinueAsNew() || this.forgetting);
    }
    // Drain: stop starting sends, let those in flight finish or cancel cleanly, finish handlers.
    await this.deliveries.stop();
    await wf.condition(wf.allHandlersFinished);
    if (this.forgetting) return 'forgotten';
    this.counters.continuedAsNew += 1;
    this.publish(workflowNow());
    return 'continue';
  }

  private shouldContinueAsNew(): boolean {
    const info = wf.workflowInfo();
    const idle = this.pendingCount === 0 && this.deliveries.idle;
    return continueAsNewDue(
      { suggested: info.continueAsNewSuggested, historyLength: info.historyLength, historySize: info.historySize, idle },
      this.settings.policy,
    );
  }

  /** Dead-letters what waited too long, keeps the dedup window and purchases within bounds; says when to look again. */
  private housekeeping(nowMs: number): { atMs: number; why: string } | undefined {
    const policy = this.settings.policy;
    const expired = this.inbox.expire(nowMs, policy, this.install !== undefined);
    for (const held of expired.held)
      this.deadLetterHeld(held, `no install context (signup) arrived within ${policy.installWaitTimeout / 1000}s of the first event`, nowMs);
    for (const orphan of expired.orphans) {
      const refund = (orphan.message as RefundMessage).refund;
      this.deadLetterHeld(
        orphan,
        `unknown purchase "${refund.purchaseEventId}": no such purchase arrived within ${policy.orphanRefundHold / 1000}s of the refund`,
        nowMs,
        true,
      );
    }
    let next = expired.next;
    if (this.settings.appProblem) {
      const retryAt = this.settingsLoadedAtMs + policy.settingsRetryInterval;
      if (!next || retryAt < next.atMs) next = { atMs: retryAt, why: 'reload settings: the app is missing from the relay configuration' };
    }
    const day = Math.floor(nowMs / DAY_MS);
    if (day !== this.lastPrunedDay || this.dedup.size > policy.dedupMaxEntries) {
      this.lastPrunedDay = day;
      const forgotten = this.dedup.prune(nowMs, policy, this.inbox.keys());
      if (forgotten > 0 && this.dedup.size >= policy.dedupMaxEntries) {
        wf.log.warn('dedup window shortened: more messages than policy.dedupMaxEntries within policy.dedupMaxAgeDays', { entries: this.dedup.size });
      }
      this.purchases.prune(nowMs, policy);
    }
    return next;
  }

  private publish(nowMs: number): void {
    const status = buildStatus(this, nowMs);
    this.ops.publish(
      {
        ...(this.install ? { app: this.install.app } : {}),
        state: publishedState(status.state),
        pending: this.pendingCount,
        deadLetters: this.deliveries.letters.count,
      },
      () => currentDetails(status, this.settings.policy.showDeviceIds ? this.install : undefined),
    );
  }
}
