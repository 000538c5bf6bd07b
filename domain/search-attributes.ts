// The search attributes every user workflow keeps current, so the Temporal UI can list users by state:
// e.g. `S2SDeadLetters > 0` or `S2SState = "lane stopped"`. Registered by the dev server the project starts.
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

/** Values of S2SState. */
export const USER_STATES = ['waiting for install', 'gated', 'sending', 'idle', 'lane stopped'] as const;
export type UserState = (typeof USER_STATES)[number];
