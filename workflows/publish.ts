// Keeps what the Temporal UI shows about a user current: the S2S* search attributes (only when a value
// changed: each upsert is a billed action, so S2SPending is republished when the state changes or the
// count crosses zero, which keeps `S2SPending > 0` exact) and the current-details text.
import { upsertSearchAttributes, setCurrentDetails } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Destination } from '../domain/delivery';
import { SA } from '../domain/search-attributes';
import type { WorkflowSettings } from '../domain/settings';
import { pendingCount, type UserState } from './state';
import { buildStatus, currentDetails, stateKeyword } from './view';

export interface Published {
  userId?: string;
  app?: string;
  state?: string;
  pending?: number;
  deadLetters?: number;
  details?: string;
}

type Update = SearchAttributeUpdatePair;

/** The search-attribute updates needed to go from what was published to the user's current view. */
export function searchAttributeUpdates(published: Published, now: { userId: string; app?: string; state: string; pending: number; deadLetters: number }): Update[] {
  const updates: Update[] = [];
  if (published.userId !== now.userId) updates.push({ key: SA.userId, value: now.userId });
  if (now.app !== undefined && published.app !== now.app) updates.push({ key: SA.app, value: now.app });
  if (published.state !== now.state) updates.push({ key: SA.state, value: now.state });
  const crossesZero = published.pending === 0 || now.pending === 0;
  if (published.pending === undefined || (published.pending !== now.pending && (published.state !== now.state || crossesZero))) {
    updates.push({ key: SA.pending, value: now.pending });
  }
  if (published.deadLetters !== now.deadLetters) updates.push({ key: SA.deadLetters, value: now.deadLetters });
  return updates;
}

export class OpsView {
  private readonly published: Published = {};

  publish(state: UserState, settings: WorkflowSettings, nowMs: number, inFlight: Record<Destination, string[]>): void {
    const now = {
      userId: state.userId,
      ...(state.install ? { app: state.install.app } : {}),
      state: stateKeyword(state, settings, nowMs, inFlight.adjust.length + inFlight.appsflyer.length),
      pending: pendingCount(state),
      deadLetters: state.deadLetters.length,
    };
    const updates = searchAttributeUpdates(this.published, now);
    if (updates.length > 0) upsertSearchAttributes(updates);
    for (const u of updates) if (u.key.name === SA.pending.name) this.published.pending = now.pending;
    Object.assign(this.published, { userId: now.userId, state: now.state, deadLetters: now.deadLetters, ...(now.app ? { app: now.app } : {}) });
    const details = currentDetails(buildStatus(state, settings, nowMs, inFlight), settings.policy.showDeviceIds ? state.install : undefined);
    if (this.published.details !== details) {
      setCurrentDetails(details);
      this.published.details = details;
    }
  }
}
