// Keeps what operators filter on current: the S2S* search attributes (upserted only when a published value
// changes, and only for the states operators look for, so an event that is simply delivered costs no
// upsert) and the Temporal UI's current-details text (workflow metadata, not a billed action).
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { SA, type PublishedState } from '../domain/search-attributes';
import type { UserStatus } from '../domain/status';

export interface Published {
  app?: string;
  state?: PublishedState;
  pending?: number;
  deadLetters?: number;
}

export interface OpsFacts {
  app?: string;
  state: PublishedState;
  pending: number;
  deadLetters: number;
}

/**
 * The upserts needed to go from what is published to `now`. S2SPending is published with every state change,
 * and while a user needs attention (not `ok`), so `S2SPending > 0` finds users whose deliveries are stuck.
 */
export function searchAttributeUpdates(published: Published, now: OpsFacts): SearchAttributeUpdatePair[] {
  const updates: SearchAttributeUpdatePair[] = [];
  if (now.app !== undefined && published.app !== now.app) updates.push({ key: SA.app, value: now.app });
  const stateChanged = published.state !== now.state;
  if (stateChanged) updates.push({ key: SA.state, value: now.state });
  const pending = now.state === 'ok' ? 0 : now.pending;
  if (published.pending !== pending && (stateChanged || now.state !== 'ok')) updates.push({ key: SA.pending, value: pending });
  if (published.deadLetters !== now.deadLetters) updates.push({ key: SA.deadLetters, value: now.deadLetters });
  return updates;
}

export class OpsView {
  private readonly published: Published;
  private details?: string;

  /** Starts from what the workflow's search attributes hold (set at start by the client, or carried over by continue-as-new). */
  constructor() {
    const attrs = workflowInfo().typedSearchAttributes;
    const state = attrs.get(SA.state) as PublishedState | undefined;
    const app = attrs.get(SA.app);
    const pending = attrs.get(SA.pending);
    const deadLetters = attrs.get(SA.deadLetters);
    this.published = {
      ...(state !== undefined ? { state } : {}),
      ...(app !== undefined ? { app } : {}),
      ...(pending !== undefined ? { pending } : {}),
      ...(deadLetters !== undefined ? { deadLetters } : {}),
    };
  }

  publish(now: OpsFacts, details: () => string): void {
    const updates = searchAttributeUpdates(this.published, now);
    if (updates.length > 0) {
      upsertSearchAttributes(updates);
      for (const u of updates) {
        if (u.key.name === SA.app.name) this.published.app = u.value as string;
        if (u.key.name === SA.state.name) this.published.state = u.value as PublishedState;
        if (u.key.name === SA.pending.name) this.published.pending = u.value as number;
        if (u.key.name === SA.deadLetters.name) this.published.deadLetters = u.value as number;
      }
    }
    const text = details();
    if (text !== this.details) {
      setCurrentDetails(text);
      this.details = text;
    }
  }
}

export type { UserStatus };
