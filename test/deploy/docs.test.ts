// The README's deployment sections against the code: its sections exist, every environment variable the worker, the
// connection settings, `npm start`, compose and the setup script read is documented with its default, every
// metric with its labels, and the image versions it names are the ones the files pin.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { METRICS } from '../../domain/metrics';
import { PROJECT_ROOT } from '../../worker/paths';
import { readDockerfile } from './dockerfile';
import { knownWorkerVariables, schemaDefault } from './env-schema';

const doc = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const read = (f: string) => fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  expect(start, `section "## ${title}"`).toBeGreaterThanOrEqual(0);
  const next = doc.indexOf('\n## ', start + 4);
  return doc.slice(start, next < 0 ? undefined : next);
}

/** The table rows of a section that document `name`: `| \`NAME\` | default | ... |` (or several names in one cell). */
function rows(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('|') && (l.split('|')[1] ?? '').includes(`\`${name}\``));
}

describe('README: Deploying, Configuration reference, Scaling', () => {
  it('has the Deploying, Configuration reference and Scaling sections', () => {
    for (const title of ['Deploying', 'Configuration reference', 'Scaling']) expect(section(title).length).toBeGreaterThan(200);
    expect(doc).toContain('(docs/app-config.md)');
    const scaling = section('Scaling');
    for (const topic of ['### Workers and replicas', '### Task-queue partitions', '### Rate limits', '### The cost of one open workflow per user', '### Retention', '### Continue-as-new']) {
      expect(scaling).toContain(topic);
    }
  });

  it('documents every worker and connection variable with its default', () => {
    const reference = section('Configuration reference');
    for (const name of knownWorkerVariables()) {
      const [row] = rows(reference, name);
      expect(row, `${name} is documented`).toBeDefined();
      const fallback = schemaDefault(name);
      const cell = (row as string).split('|')[2] as string;
      if (fallback === undefined) expect(cell, `${name} default`).toMatch(/required|unset/);
      else expect(cell, `${name} default`).toContain(`\`${String(fallback)}\``);
    }
  });

  it('documents the variables `npm start` adds, with their defaults', () => {
    const start = read('worker/start.ts');
    const block = /const StartEnv = z\.object\(\{([\s\S]*?)\n\}\);/.exec(start)?.[1] ?? '';
    const vars = [...block.matchAll(/^\s+([A-Z][A-Z0-9_]+):.*?\.default\(([^)]+)\)/gm)].map((m) => ({ name: m[1] as string, fallback: m[2] as string }));
    expect(vars.map((v) => v.name)).toEqual(['TEMPORAL_UI_PORT', 'EMULATOR_PORT', 'S2S_DATA_DIR']);
    const table = doc.slice(doc.indexOf('### `npm start`'));
    for (const { name, fallback } of vars) {
      const [row] = rows(table, name);
      expect(row, name).toBeDefined();
      expect(row).toContain(fallback === 'DATA_DIR' ? '`.data`' : `\`${fallback}\``);
    }
  });

  it('documents every variable the worker code reads directly, compose interpolates, or the setup script takes', () => {
    const reference = section('Configuration reference');
    const direct = new Set<string>();
    for (const file of [...fs.readdirSync(path.join(PROJECT_ROOT, 'worker')).map((f) => `worker/${f}`), 'client/connection.ts']) {
      if (!file.endsWith('.ts')) continue;
      for (const m of read(file).matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z_][A-Z0-9_]*)['"]\])/g)) direct.add((m[1] ?? m[2]) as string);
    }
    const compose = new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string));
    const setup = new Set([...read('deploy/temporal/setup-namespace.sh').matchAll(/\$\{([A-Z_][A-Z0-9_]*):-/g)].map((m) => m[1] as string));
    expect(compose.size).toBeGreaterThan(3);
    expect(setup).toEqual(new Set(['NAMESPACE', 'NAMESPACE_RETENTION', 'TEMPORAL_ADDRESS']));
    for (const name of [...direct, ...compose, ...setup]) expect(rows(reference, name).length, `${name} is documented`).toBeGreaterThan(0);
  });

  it('documents every s2s-relay metric with its labels', () => {
    for (const metric of Object.values(METRICS)) {
      const [row] = rows(doc, metric.name);
      expect(row, metric.name).toBeDefined();
      expect(row).toContain(metric.kind);
      for (const label of metric.labels) expect(row, `${metric.name} label ${label}`).toContain(`\`${label}\``);
    }
  });

  it('names the image versions the files pin', () => {
    const compose = YAML.parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { image?: string }> };
    for (const s of Object.values(compose.services)) if (s.image && !s.image.startsWith('s2s-relay')) expect(doc).toContain(`\`${s.image}\``);
    const node = readDockerfile().args.NODE_IMAGE as string;
    expect(doc).toContain(`\`${node}\``);
  });
});
