// Which search-attribute upserts the workflow publishes (workflows/ops-view.ts searchAttributeUpdates; the
// OpsView class needs a workflow context and is covered by the workflow tests). Every upsert is a billed
// action: a lone event that is simply delivered publishes nothing; the states operators filter on publish
// the state and S2SPending; dead letters publish their count.
import { describe, expect, it } from 'vitest';
import type { PublishedState } from '../../../domain/search-attributes';
import { searchAttributeUpdates, type OpsFacts, type Published } from '../../../workflows/ops-view';
import { publishedState } from '../../../workflows/status-view';

const keys = (updates: ReturnType<typeof searchAttributeUpdates>) => updates.map((u) => `${u.key.name}=${String(u.value)}`);

/** Publishes like OpsView.publish: applies the updates to what is published, returns them as text. */
function publisher(start: Published) {
  const published: Published = { ...start };
  return (now: OpsFacts) => {
    const updates = searchAttributeUpdates(published, now);
    for (const u of updates) {
      if (u.key.name === 'S2SApp') published.app = u.value as string;
      if (u.key.name === 'S2SState') published.state = u.value as PublishedState;
      if (u.key.name === 'S2SPending') published.pending = u.value as number;
      if (u.key.name === 'S2SDeadLetters') published.deadLetters = u.value as number;
    }
    return keys(updates);
  };
}

const ok: OpsFacts = { app: 'demo-ios', state: 'ok', pending: 0, deadLetters: 0 };
// What the client sets at start for a signed-up user (client/relay-client.ts startOptions).
const started: Published = { app: 'demo-ios', state: 'ok', pending: 0, deadLetters: 0 };

describe('searchAttributeUpdates', () => {
  it('publishes every value the first time, nothing when nothing changed', () => {
    expect(keys(searchAttributeUpdates({}, { ...ok, state: 'retrying', pending: 3 }))).toEqual([
      'S2SApp=demo-ios',
      'S2SState=retrying',
      'S2SPending=3',
      'S2SDeadLetters=0',
    ]);
    expect(searchAttributeUpdates(started, ok)).toEqual([]);
    expect(keys(searchAttributeUpdates({}, { state: 'waiting for install', pending: 1, deadLetters: 0 }))).toEqual([
      'S2SState=waiting for install',
      'S2SPending=1',
      'S2SDeadLetters=0',
    ]);
  });

  it('a lone event that is queued, gated, sent and delivered publishes nothing', () => {
    const publish = publisher(started);
    // gated and sending are published as ok; pending is not published while ok.
    for (const state of ['gated', 'sending', 'sending', 'idle'] as const) {
      expect(publish({ ...ok, state: publishedState(state), pending: state === 'idle' ? 0 : 2 })).toEqual([]);
    }
  });

  it('retrying, a stopped lane and waiting for the install publish the state and S2SPending', () => {
    const publish = publisher(started);
    expect(publish({ ...ok, state: 'retrying', pending: 2 })).toEqual(['S2SState=retrying', 'S2SPending=2']);
    // While not ok, S2SPending follows the count, so S2SPending > 0 finds users whose deliveries are stuck.
    expect(publish({ ...ok, state: 'retrying', pending: 5 })).toEqual(['S2SPending=5']);
    expect(publish({ ...ok, state: 'lane stopped', pending: 5 })).toEqual(['S2SState=lane stopped']);
    // Back to ok: the state, and S2SPending back to 0 whatever is still queued.
    expect(publish({ ...ok, state: 'ok', pending: 4 })).toEqual(['S2SState=ok', 'S2SPending=0']);
    expect(publish({ ...ok, state: 'ok', pending: 1 })).toEqual([]);

    const waiting = publisher({ state: 'waiting for install', pending: 0, deadLetters: 0 });
    expect(waiting({ state: 'waiting for install', pending: 1, deadLetters: 0 })).toEqual(['S2SPending=1']);
    expect(waiting({ app: 'demo-ios', state: 'ok', pending: 1, deadLetters: 0 })).toEqual(['S2SApp=demo-ios', 'S2SState=ok', 'S2SPending=0']);
  });

  it('publishes the dead-letter count whenever it changes, in any state', () => {
    const publish = publisher(started);
    expect(publish({ ...ok, deadLetters: 1 })).toEqual(['S2SDeadLetters=1']);
    expect(publish({ ...ok, deadLetters: 1 })).toEqual([]);
    expect(publish({ ...ok, deadLetters: 0 })).toEqual(['S2SDeadLetters=0']);
  });

  it('never unpublishes the app (a message before the signup has none yet)', () => {
    expect(searchAttributeUpdates(started, { state: 'ok', pending: 0, deadLetters: 0 })).toEqual([]);
  });
});
