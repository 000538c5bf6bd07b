// A small Dockerfile reader for the deployment tests (no Docker engine here): instructions with line
// continuations joined, grouped by stage, global ARG defaults substituted, plus the stage's ENV values.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../worker/paths';

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export function readDockerfile(file = path.join(PROJECT_ROOT, 'Dockerfile')): { stages: Stage[]; args: Record<string, string> } {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i] as string;
    if (/^\s*(#|$)/.test(text)) continue;
    while (text.trimEnd().endsWith('\\') && i + 1 < lines.length) {
      i += 1;
      const next = lines[i] as string;
      if (/^\s*#/.test(next)) continue;
      text = `${text.trimEnd().slice(0, -1)} ${next.trim()}`;
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(text);
    if (match) instructions.push({ op: (match[1] as string).toUpperCase(), args: (match[2] as string).trim(), line: start + 1 });
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const [image = '', as, name] = ins.args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}/g, (_m, n: string) => args[n] ?? '');
      stages.push({ name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), from, instructions: [] });
    } else if (stages.length === 0 && ins.op === 'ARG') {
      const [name, value = ''] = ins.args.split('=');
      args[name as string] = value;
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return { stages, args };
}

/** ENV values set in a stage (`ENV A=1 B=2` form). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.op === 'ENV')) {
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
  }
  return env;
}

/** Sources of the stage's COPY instructions from the build context (not --from=...). */
export function contextCopySources(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.op === 'COPY' && !/--from=/.test(i.args))
    .flatMap((i) => {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      return parts.slice(0, -1);
    });
}
