// The search attributes a user workflow keeps for operators, so the Temporal UI and the CLI can list users
// by what needs attention: `S2SDeadLetters > 0`, `S2SState = 'retrying'`, `S2SPending > 0`. They change only
// on the states operators filter on (each upsert is a billed action), never for a send that simply succeeds.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  userId: defineSearchAttributeKey('S2SUserId', SearchAttributeType.KEYWORD),
  app: defineSearchAttributeKey('S2SApp', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('S2SState', SearchAttributeType.KEYWORD),
  pending: defineSearchAttributeKey('S2SPending', SearchAttributeType.INT),
  deadLetters: defineSearchAttributeKey('S2SDeadLetters', SearchAttributeType.INT),
} as const;

/** Name and type as the Temporal CLI spells them (`--search-attribute NAME=Keyword`). */
export const SEARCH_ATTRIBUTE_DEFINITIONS: ReadonlyArray<{ name: string; cliType: 'Keyword' | 'Int' }> = [
  { name: 'S2SUserId', cliType: 'Keyword' },
  { name: 'S2SApp', cliType: 'Keyword' },
  { name: 'S2SState', cliType: 'Keyword' },
  { name: 'S2SPending', cliType: 'Int' },
  { name: 'S2SDeadLetters', cliType: 'Int' },
];

/**
 * The user's state as the status query reports it. `gated` and `sending` are live values only; the search
 * attribute S2SState holds `ok` for them, so a lone event that is simply delivered costs no upsert.
 */
export const USER_STATES = ['waiting for install', 'gated', 'sending', 'retrying', 'idle', 'lane stopped'] as const;
export type UserStateKeyword = (typeof USER_STATES)[number];
/** Values S2SState takes: the states operators filter on, and `ok` for everything else. */
export const PUBLISHED_STATES = ['waiting for install', 'retrying', 'lane stopped', 'ok'] as const;
export type PublishedState = (typeof PUBLISHED_STATES)[number];
