// Markdown for the Temporal Web UI's summary, details and current-details panes (pure: the workflow's view
// and the client both use it).
//
// How the UI (2.42, embedded in Temporal CLI 1.5) shows that markdown: it renders it at /render in an iframe
// and sizes the iframe once, at load, to max(body.scrollHeight + 2, 100) px. The render page's stylesheet is
// missing, so each paragraph keeps the browser's 1em margins, and the first one collapses out of the body:
// with one paragraph per line the last line is cut off. One paragraph of hard-broken lines (`  \n`) with a
// blank last line always fits, and reads the same raw (CLI `temporal workflow describe`). The blank line is a
// no-break space (U+00A0): the renderer escapes entities such as `&nbsp;` and drops a trailing break.

/** Escapes what would turn text into HTML, an entity, a link, code or emphasis; keeps ids like evt_1 readable. */
export function mdText(text: string): string {
  return text.replace(/[\\`*[\]<>&]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
}

/** Shortens text to `max` characters (with an ellipsis). */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const BLANK_LINE = '\u00a0';

/** Lines (already markdown) as one paragraph with hard line breaks; empty lines are dropped. */
export function uiLines(lines: ReadonlyArray<string | undefined | false>): string {
  const kept = lines.filter((l): l is string => typeof l === 'string' && l.trim() !== '');
  return [...kept, BLANK_LINE].join('  \n');
}

/** A Temporal UI link to the workflow list filtered by a visibility query ({namespace} is filled in by the UI). */
export function uiQueryLink(label: string, query: string): string {
  return `[${mdText(label)}](/namespaces/{namespace}/workflows?query=${encodeURIComponent(query)})`;
}
