// What the Temporal UI shows about a user workflow from its start: a one-line static summary and static
// details (markdown) with the CLI commands and UI filter links. App, platform and install time only: never
// device ids or other personal data.
import type { Signup } from '../domain/contract/install';
import { SA } from '../domain/search-attributes';
import { mdText, uiLines, uiQueryLink } from '../domain/ui-markdown';

/**
 * The workflow's static summary (fixed at start; the UI shows it under User Metadata). A workflow first
 * started by an event (before the signup) does not know the app yet, and says where to look instead.
 */
export function staticSummary(userId: string, install?: Signup): string {
  return install
    ? `user ${userId} · ${install.app} (${install.platform}) · installed ${install.installedAt}`
    : `user ${userId} · started by an event before the signup: app and install time in Current Details`;
}

/** The workflow's static details (markdown): what this workflow is and where to look, with UI filter links. */
export function staticDetails(userId: string, install?: Signup): string {
  const quoted = `'${userId}'`; // user ids hold no quotes (domain/contract/fields.ts)
  return uiLines([
    `s2s-relay user workflow of **${mdText(userId)}**${install ? ` · app ${mdText(install.app)} (${install.platform}) · installed ${install.installedAt}` : ''}`,
    'Send activities are summarised as "vendor event id amount"; their results hold the vendor\'s answer. Current Details show each lane.',
    `CLI: \`s2s status ${userId}\` · \`s2s history ${userId}\` · \`s2s redrive ${userId}\``,
    `${uiQueryLink('all runs of this user', `${SA.userId.name} = ${quoted}`)} · ${uiQueryLink('users with dead letters', `${SA.deadLetters.name} > 0`)} · ${uiQueryLink('users needing attention', `${SA.state.name} != 'ok'`)}`,
  ]);
}
