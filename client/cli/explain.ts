// `s2s explain <userId> <eventId|refundId|deliveryId>`: the command (configuration, bounded timeline query)
// and its rendering for a support engineer: per vendor the outcome, the request as sent (rebuilt, secrets
// [redacted]), and the timeline of every attempt and answer. --json prints one delivery per line.
import path from 'node:path';
import type { RelayConfig } from '../../domain/config';
import { kindWord } from '../../domain/delivery';
import { readRelayConfigFile } from '../../worker/app-config';
import { PROJECT_ROOT } from '../../worker/paths';
import { EXIT, RelayUnknownUserError, type ExitCode } from '../errors';
import { explain, type DeliveryExplanation, type ExplainResult } from '../explain/explain';
import { readableBody, type RebuiltRequest } from '../explain/request';
import type { RelayClient } from '../relay-client';
import { inputError, tooMany, userIdArg, type Parsed } from './args';
import { withWorker, type CliIo, type Output } from './io';

/** How long explain waits for the workflow's own record (timeline query) of an open run. */
const TIMELINE_WAIT_MS = 5_000;

/** The relay configuration explain rebuilds requests with: S2S_APP_CONFIG, else the demo configuration. */
export function explainConfig(env: NodeJS.ProcessEnv): { config: RelayConfig; source: string } {
  const file = env.S2S_APP_CONFIG?.trim() || path.join(PROJECT_ROOT, 'config', 'demo.yaml');
  try {
    const relative = path.relative(process.cwd(), path.resolve(file));
    return { config: readRelayConfigFile(file), source: relative && !relative.startsWith('..') ? relative : path.resolve(file) };
  } catch (error) {
    throw inputError(`explain rebuilds requests with the app configuration in S2S_APP_CONFIG (default config/demo.yaml): ${(error as Error).message}`);
  }
}

export async function runExplain(parsed: Parsed, io: CliIo, connect: () => Promise<RelayClient>, out: Output): Promise<ExitCode> {
  tooMany(parsed.args, 2, 'explain');
  const userId = userIdArg(parsed.args[0], 'explain');
  const id = parsed.args[1];
  if (id === undefined || !/^[A-Za-z0-9_:.@+-]{1,200}$/.test(id))
    throw inputError(`explain needs an event id, refund id or delivery id after the userId${id === undefined ? '' : ` (got "${id}")`}`);
  const { config, source } = explainConfig(io.env ?? process.env);
  const client = await connect();
  const wait = Math.min(io.answerTimeoutMs ?? 20_000, TIMELINE_WAIT_MS);
  const result = await explain(client, userId, id, {
    config,
    configSource: source,
    timeline: () => withWorker(client, wait, { action: `history of user ${userId}` }, () => client.timeline(userId)),
  });
  if (result.runs.length === 0) throw new RelayUnknownUserError(userId);
  if (result.deliveries.length === 0) {
    throw inputError(
      `explain: user ${userId} has no event, refund or delivery "${id}" in the history of its ${result.runs.length} run${result.runs.length === 1 ? '' : 's'} (s2s history ${userId} lists its deliveries)`,
    );
  }
  out.list(result.deliveries, formatExplain(result));
  return EXIT.ok;
}

const indent = (lines: string[], by = '  ') => lines.map((l) => `${by}${l}`);

export function formatRequest(request: RebuiltRequest): string[] {
  if ('error' in request) return [`(not rebuilt: ${request.error})`];
  return [
    `${request.method} ${request.url}`,
    ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`),
    `body (${Buffer.byteLength(request.body)} bytes): ${request.body}`,
    ...indent(readableBody(request.body)),
    ...request.warnings.map((w) => `warning: ${w}`),
  ];
}

function formatDelivery(d: DeliveryExplanation): string[] {
  const m = d.message;
  const money = m.revenue ? ` ${d.destination === 'appsflyer' && m.kind === 'refund' ? '-' : ''}${m.revenue} ${m.currency ?? ''}`.trimEnd() : '';
  const lines = [`${d.destination} ${d.deliveryId} · ${kindWord(m.kind)} ${m.id} (${m.name})${money} · occurred ${m.occurredAt}`];
  const o = d.outcome;
  lines.push(
    `outcome: ${o.outcome.toUpperCase()}${o.at ? ` at ${o.at}` : ''}${o.status !== undefined ? ` (${o.status}${o.attempts ? `, attempt ${o.attempts}` : ''})` : o.attempts ? ` (attempt ${o.attempts})` : ''}${o.answer ? `: ${o.answer}` : ''}` +
      `${o.source === 'workflow' ? "   [the workflow's record]" : '   [from the history]'}`,
  );
  if (d.sentAs) lines.push(`sent as ${d.sentAs} instead of ${m.occurredAt} (restamped: Adjust had accepted a later event for this token)`);
  const requests = new Map<string, { request: RebuiltRequest; sends: string[] }>();
  for (const s of d.sends) {
    const key = JSON.stringify(s.request);
    const entry = requests.get(key) ?? { request: s.request, sends: [] };
    entry.sends.push(`activity ${s.activityId}`);
    requests.set(key, entry);
  }
  if (requests.size === 0) lines.push('request: none (never handed to a send activity)');
  for (const { request, sends } of requests.values()) {
    lines.push(
      `request${requests.size > 1 ? ` of ${sends.join(', ')}` : d.sends.length > 1 ? ` (the same for all ${d.sends.length} sends)` : ''} (rebuilt from the recorded input; secrets [redacted]):`,
    );
    lines.push(...indent(formatRequest(request)));
  }
  if (d.timeline.length) {
    lines.push('timeline:');
    lines.push(...d.timeline.map((t) => `  ${t.at}  ${t.what}`));
  }
  return lines;
}

export function formatExplain(r: ExplainResult): string {
  const events = r.runs.reduce((n, run) => n + run.events, 0);
  const head = `user ${r.userId} · ${r.id}: ${r.deliveries.length} deliver${r.deliveries.length === 1 ? 'y' : 'ies'} (history of ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}, ${events} events; requests rebuilt with ${r.deliveries[0]?.config ?? '?'})`;
  return [head, ...r.deliveries.flatMap((d) => ['', ...formatDelivery(d)])].join('\n');
}
