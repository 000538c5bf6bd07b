// The README's deployment sections against the code: its sections exist, every environment variable the worker, the
// connection settings, `npm start`, the CLI, compose and the setup script read is documented with its default (and
// every variable the reference documents is one of those), every metric with its labels, the image versions it
// names are the ones the files pin, and every link or path to a document (README, docs/, compose and deploy files)
// points at a file, or a README heading, that exists.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { z } from 'zod';
import { CliEnv } from '../../client/cli';
import { TemporalSettings } from '../../client/connection';
import { METRICS } from '../../domain/metrics';
import { WorkerEnv } from '../../worker/config';
import { PROJECT_ROOT } from '../../worker/paths';
import { StartEnv } from '../../worker/start';
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

/** A `### ` subsection of a `## ` section, up to the next heading of either level. */
function subsection(title: string, heading: string): string {
  const text = section(title);
  const start = text.indexOf(`\n${heading}`);
  expect(start, `"${heading}" in "${title}"`).toBeGreaterThanOrEqual(0);
  const next = text.indexOf('\n#', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

type Shape = Record<string, z.ZodType>;
const composeVariables = () => new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string));
const setupVariables = () => new Set([...read('deploy/temporal/setup-namespace.sh').matchAll(/\$\{([A-Z_][A-Z0-9_]*):-/g)].map((m) => m[1] as string));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes; repeats get -1, -2, ... */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? undefined : /^#{1,6} (.+)$/.exec(line)?.[1];
    if (!heading) continue;
    const slug = heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  return anchors;
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

  it('documents the variables `npm start` adds, and the CLI\'s, with their defaults', () => {
    const start = subsection('Configuration reference', '### `npm start`');
    expect(Object.keys(StartEnv.shape)).toEqual(['TEMPORAL_UI_PORT', 'EMULATOR_PORT', 'S2S_DATA_DIR']);
    for (const [name, schema] of Object.entries(StartEnv.shape as Shape)) {
      const [row] = rows(start, name);
      expect(row, name).toBeDefined();
      const fallback = schema.parse(undefined) as unknown;
      expect(row).toContain(name === 'S2S_DATA_DIR' ? '`.data`' : `\`${String(fallback)}\``);
      if (name === 'S2S_DATA_DIR') expect(fallback).toBe(path.join(PROJECT_ROOT, '.data'));
    }
    const cli = subsection('Configuration reference', '### The `s2s` CLI');
    for (const [name, schema] of Object.entries(CliEnv.shape as Shape)) {
      const [row] = rows(cli, name);
      expect(row, name).toBeDefined();
      expect(row?.split('|')[2]).toContain(`\`${String(schema.parse(undefined))}\``);
    }
  });

  it('documents in its configuration reference only variables that a schema reads, or compose or the setup script', () => {
    const schemas = new Set([WorkerEnv, TemporalSettings, StartEnv, CliEnv].flatMap((schema) => Object.keys(schema.shape as Shape)));
    const compose = composeVariables();
    const setup = setupVariables();
    const reference = section('Configuration reference');
    const documented = reference.split('\n').filter((l) => l.startsWith('| `'));
    expect(documented.length).toBeGreaterThan(30);
    const composeTable = subsection('Configuration reference', '### Docker Compose and the setup script');
    for (const row of documented) {
      const cells = row.split('|').map((c) => c.trim());
      const names = [...(cells[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
      expect(names.length, row).toBeGreaterThan(0);
      for (const name of names) {
        expect(name, row).toMatch(/^[A-Z][A-Z0-9_]*$/);
        if (composeTable.includes(row)) {
          // The compose table says who reads each one; that file must read it.
          const usedBy = cells[3] ?? '';
          expect(usedBy, row).toMatch(/^(compose|`setup-namespace\.sh`)$/);
          expect(usedBy === 'compose' ? compose : setup, `${name} is read by ${usedBy}`).toContain(name);
        } else {
          expect(schemas, `${name} (documented in the configuration reference) is read by a zod schema: worker/config.ts, client/connection.ts, worker/start.ts or client/cli.ts`).toContain(name);
        }
      }
    }
  });

  it('documents every variable the worker code reads directly, compose interpolates, or the setup script takes', () => {
    const reference = section('Configuration reference');
    const direct = new Set<string>();
    for (const file of [...fs.readdirSync(path.join(PROJECT_ROOT, 'worker')).map((f) => `worker/${f}`), 'client/connection.ts']) {
      if (!file.endsWith('.ts')) continue;
      for (const m of read(file).matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z_][A-Z0-9_]*)['"]\])/g)) direct.add((m[1] ?? m[2]) as string);
    }
    const compose = composeVariables();
    const setup = setupVariables();
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

describe('links and paths to documents', () => {
  const anchors = headingAnchors(doc);
  /** Files whose comments point readers at documentation: README, compose, the dry-run config, deploy/. */
  const files = ['README.md', 'docker-compose.yml', 'config/docker-emulator.yaml', 'Dockerfile', ...listFiles('deploy')];

  function listFiles(dir: string): string[] {
    return fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
  }

  /** Every `docs/...` or `README.md[#anchor]` path in a file, and in Markdown every relative link target. */
  function references(file: string): string[] {
    const text = read(file);
    const found = [...text.matchAll(/(?<![\w/.-])(?:\.\.?\/)*(?:docs\/[\w./-]*[\w/]|README\.md(?:#[\w-]+)?)/g)].map((m) => m[0]);
    if (file.endsWith('.md')) {
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) found.push(target);
      }
    }
    return [...new Set(found)];
  }

  it('finds the references it checks', () => {
    expect(references('README.md')).toEqual(expect.arrayContaining(['docs/app-config.md', 'docs/emulator.md', '#configuration-reference', 'scripts/temporal-cli.sh']));
    expect(references('docker-compose.yml')).toContain('README.md#a-production-like-stack-with-docker-compose');
    expect(references('deploy/temporal/dynamicconfig/development-sql.yaml')).toContain('README.md#task-queue-partitions');
  });

  it.each(files)('every document %s points at exists (files, and README headings for anchors)', (file) => {
    for (const ref of references(file)) {
      const [target = '', anchor] = ref.split('#');
      // Paths in comments are relative to the repository; Markdown links (and ./ or ../ paths) to the file.
      const base = target.startsWith('.') || (file.endsWith('.md') && !target.startsWith('docs/')) ? path.dirname(path.join(PROJECT_ROOT, file)) : PROJECT_ROOT;
      const resolved = target === '' ? path.join(PROJECT_ROOT, file) : path.resolve(base, target);
      expect(fs.existsSync(resolved), `${file} refers to ${ref}: ${path.relative(PROJECT_ROOT, resolved)} does not exist`).toBe(true);
      if (anchor !== undefined) {
        expect(path.relative(PROJECT_ROOT, resolved), `${file} refers to ${ref}: anchors are checked in README.md only`).toBe('README.md');
        expect(anchors, `${file} refers to ${ref}: README.md has no heading with anchor #${anchor}`).toContain(anchor);
      }
    }
  });
});
