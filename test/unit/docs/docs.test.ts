// The documentation against the code. The README is the front door (under 260 lines, a table of contents
// whose links reach its headings, a link to every docs/*.md page); the reference lives in docs/: every
// environment variable the worker, the connection settings, `npm start`, the CLI, compose and the setup script
// read is documented with its default (and every variable docs/configuration.md's environment reference
// documents is one of those), every metric with its labels, the image versions the files pin are named, the
// first-send-attempt policy's values are the schema's, docs/architecture.md's life of one event names files
// that exist, and every link or path to a document (README, docs/, compose and deploy files) points at a file,
// or a heading of that Markdown file, that exists. Where several docs/ pages document a variable, every row
// found is a candidate and the first is the one checked.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { z } from 'zod';
import { CliEnv } from '../../../client/cli';
import { TemporalSettings } from '../../../client/connection';
import { Policy } from '../../../domain/config';
import { METRICS } from '../../../domain/metrics';
import { WorkerEnv } from '../../../worker/config';
import { PROJECT_ROOT } from '../../../worker/paths';
import { StartEnv } from '../../../worker/start';
import { readDockerfile } from '../../integration/deploy/dockerfile';
import { knownWorkerVariables, schemaDefault } from '../../integration/deploy/env-schema';
import { headingAnchors } from '../../integration/deploy/markdown';

const read = (f: string) => fs.readFileSync(path.join(PROJECT_ROOT, f), 'utf8');
/** The README: the front door. */
const doc = read('README.md');
/** docs/configuration.md: the configuration reference (every environment variable with its default). */
const configuration = read('docs/configuration.md');
const docFiles = fs
  .readdirSync(path.join(PROJECT_ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
/** docs/*.md, concatenated. */
const docsText = docFiles.map(read).join('\n');

/** A `## ` section of a Markdown text (by default docs/configuration.md), up to the next `## ` heading. */
function section(title: string, text = configuration): string {
  const start = text.indexOf(`\n## ${title}\n`);
  expect(start, `section "## ${title}"`).toBeGreaterThanOrEqual(0);
  const next = text.indexOf('\n## ', start + 4);
  return text.slice(start, next < 0 ? undefined : next);
}

/** A `### ` subsection of a `## ` section of docs/configuration.md, up to the next heading of either level. */
function subsection(title: string, heading: string): string {
  const text = section(title);
  const start = text.indexOf(`\n${heading}`);
  expect(start, `"${heading}" in "${title}"`).toBeGreaterThanOrEqual(0);
  const next = text.indexOf('\n#', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

/** The environment variable reference: docs/configuration.md's "Environment variables" section. */
const ENV = 'Environment variables';

type Shape = Record<string, z.ZodType>;
const composeVariables = () => new Set([...read('docker-compose.yml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] as string));
const setupVariables = () => new Set([...read('deploy/temporal/setup-namespace.sh').matchAll(/\$\{([A-Z_][A-Z0-9_]*):-/g)].map((m) => m[1] as string));

/**
 * Where variables are documented: docs/configuration.md's environment reference, and the docs/ page of a
 * feature that brings its own variables (e.g. S2S_LEDGER_URL in docs/fault-tolerance.md).
 */
function referenceAndDocs(): string {
  return [section(ENV), docsText].join('\n');
}

/** The table rows of a section that document `name`: `| \`NAME\` | default | ... |` (or several names in one cell). */
function rows(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('|') && (l.split('|')[1] ?? '').includes(`\`${name}\``));
}

/** The rows documenting `name`: those in docs/*.md if there are any, else those in `section`. */
function referenceRows(section: string, name: string): string[] {
  const inDocs = rows(docsText, name);
  return inDocs.length > 0 ? inDocs : rows(section, name);
}

describe('docs/: deploying, configuration reference, scaling', () => {
  it('has the deploying, configuration reference and scaling pages with their topics', () => {
    expect(section(ENV).length).toBeGreaterThan(200);
    for (const topic of ['### Temporal connection', '### Worker', '### `npm start`', '### The `s2s` CLI', '### Docker Compose and the setup script'])
      expect(section(ENV)).toContain(topic);
    expect(doc).toContain('(docs/app-config.md)');
    expect(configuration).toContain('(app-config.md)');
    const deploying = read('docs/deploying.md');
    for (const topic of [
      '## The worker image',
      '## A production-like stack with Docker Compose',
      '## Setting up a self-hosted cluster',
      '## Connecting to Temporal Cloud',
      '## Self-hosted TLS',
      '## Kubernetes and other orchestrators',
      '## Graceful shutdown',
      '## Metrics',
      '## Logs',
    ]) {
      expect(deploying, topic).toContain(`\n${topic}\n`);
    }
    const scaling = read('docs/scaling.md');
    for (const topic of [
      '## Workers and replicas',
      '## Task-queue partitions',
      '## Rate limits',
      '## The cost of one open workflow per user',
      '## Retention',
      '## Continue-as-new',
      '## Rolling deploys',
    ]) {
      expect(scaling, topic).toContain(topic);
    }
  });

  it('documents every worker and connection variable with its default', () => {
    const reference = referenceAndDocs();
    for (const name of knownWorkerVariables()) {
      const [row] = referenceRows(reference, name);
      expect(row, `${name} is documented`).toBeDefined();
      const fallback = schemaDefault(name);
      const cell = (row as string).split('|')[2] as string;
      if (fallback === undefined) expect(cell, `${name} default`).toMatch(/required|unset/);
      else expect(cell, `${name} default`).toContain(`\`${String(fallback)}\``);
    }
  });

  it("documents the variables `npm start` adds, and the CLI's, with their defaults", () => {
    const start = subsection(ENV, '### `npm start`');
    expect(Object.keys(StartEnv.shape)).toEqual(['TEMPORAL_UI_PORT', 'EMULATOR_PORT', 'S2S_DATA_DIR']);
    for (const [name, schema] of Object.entries(StartEnv.shape as Shape)) {
      const [row] = rows(start, name);
      expect(row, name).toBeDefined();
      const fallback = schema.parse(undefined) as unknown;
      expect(row).toContain(name === 'S2S_DATA_DIR' ? '`.data`' : `\`${String(fallback)}\``);
      if (name === 'S2S_DATA_DIR') expect(fallback).toBe(path.join(PROJECT_ROOT, '.data'));
    }
    const cli = subsection(ENV, '### The `s2s` CLI');
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
    const reference = section(ENV);
    const documented = reference.split('\n').filter((l) => l.startsWith('| `'));
    expect(documented.length).toBeGreaterThan(30);
    const composeTable = subsection(ENV, '### Docker Compose and the setup script');
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
          expect(
            schemas,
            `${name} (documented in docs/configuration.md's environment reference) is read by a zod schema: worker/config.ts, client/connection.ts, worker/start.ts or client/cli.ts`,
          ).toContain(name);
        }
      }
    }
  });

  it('documents every variable the worker code reads directly, compose interpolates, or the setup script takes', () => {
    const reference = referenceAndDocs();
    const direct = new Set<string>();
    for (const file of [...fs.readdirSync(path.join(PROJECT_ROOT, 'worker')).map((f) => `worker/${f}`), 'client/connection.ts']) {
      if (!file.endsWith('.ts')) continue;
      for (const m of read(file).matchAll(/process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z_][A-Z0-9_]*)['"]\])/g)) direct.add((m[1] ?? m[2]) as string);
    }
    const compose = composeVariables();
    const setup = setupVariables();
    expect(compose.size).toBeGreaterThan(3);
    expect(setup).toEqual(new Set(['NAMESPACE', 'NAMESPACE_RETENTION', 'TEMPORAL_ADDRESS']));
    for (const name of [...direct, ...compose, ...setup]) expect(referenceRows(reference, name).length, `${name} is documented`).toBeGreaterThan(0);
  });

  it('documents every s2s-relay metric with its labels', () => {
    for (const metric of Object.values(METRICS)) {
      const found = [...rows(doc, metric.name), ...rows(docsText, metric.name)];
      expect(found.length, metric.name).toBeGreaterThan(0);
      for (const row of found) {
        expect(row).toContain(metric.kind);
        for (const label of metric.labels) expect(row, `${metric.name} label ${label}`).toContain(`\`${label}\``);
      }
    }
  });

  it('names the image versions the files pin', () => {
    const compose = YAML.parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { image?: string }> };
    const documentation = `${doc}\n${docsText}`;
    for (const s of Object.values(compose.services)) if (s.image && !s.image.startsWith('s2s-relay')) expect(documentation).toContain(`\`${s.image}\``);
    const node = readDockerfile().args.NODE_IMAGE as string;
    expect(documentation).toContain(`\`${node}\``);
  });
});

describe('links and paths to documents', () => {
  /** Files whose comments point readers at documentation: README, docs/, compose, the dry-run config, deploy/. */
  const files = ['README.md', ...docFiles, 'docker-compose.yml', 'config/docker-emulator.yaml', 'Dockerfile', ...listFiles('deploy')];

  function listFiles(dir: string): string[] {
    return fs
      .readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? listFiles(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
  }

  /** Every `docs/...` or `README.md[#anchor]` path in a file, and in Markdown every relative link target. */
  function references(file: string): string[] {
    const text = read(file);
    const found = [...text.matchAll(/(?<![\w/.-])(?:\.\.?\/)*(?:docs\/[\w./-]*[\w/](?:#[\w-]+)?|README\.md(?:#[\w-]+)?)/g)].map((m) => m[0]);
    if (file.endsWith('.md')) {
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] as string;
        if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) found.push(target);
      }
    }
    return [...new Set(found)];
  }

  it('finds the references it checks', () => {
    expect(references('README.md')).toEqual(
      expect.arrayContaining(['docs/app-config.md', 'docs/emulator.md', 'docs/configuration.md', '#quick-start', 'scripts/temporal-cli.sh']),
    );
    expect(references('docs/configuration.md')).toEqual(
      expect.arrayContaining(['app-config.md', 'scaling.md#rate-limits-and-the-ramp', '#the-delivery-policy']),
    );
    expect(references('docker-compose.yml')).toContain('docs/deploying.md#a-production-like-stack-with-docker-compose');
    expect(references('deploy/temporal/dynamicconfig/development-sql.yaml')).toContain('docs/scaling.md#task-queue-partitions');
    expect(references('deploy/observability/alerts.yml')).toContain('docs/operations.md#dead-letters-appeared');
    expect(references('docs/operations.md')).toContain('#fix-then-redrive');
  });

  it.each(files)('every document %s points at exists (files, and the Markdown headings anchors name)', (file) => {
    for (const ref of references(file)) {
      const [target = '', anchor] = ref.split('#');
      // Paths in comments are relative to the repository; Markdown links (and ./ or ../ paths) to the file.
      const base = target.startsWith('.') || (file.endsWith('.md') && !target.startsWith('docs/')) ? path.dirname(path.join(PROJECT_ROOT, file)) : PROJECT_ROOT;
      const resolved = target === '' ? path.join(PROJECT_ROOT, file) : path.resolve(base, target);
      expect(fs.existsSync(resolved), `${file} refers to ${ref}: ${path.relative(PROJECT_ROOT, resolved)} does not exist`).toBe(true);
      if (anchor !== undefined) {
        const target = path.relative(PROJECT_ROOT, resolved);
        expect(target, `${file} refers to ${ref}: anchors point into Markdown files`).toMatch(/\.md$/);
        expect(headingAnchors(read(target)), `${file} refers to ${ref}: ${target} has no heading with anchor #${anchor}`).toContain(anchor);
      }
    }
  });
});

describe('README: the front door', () => {
  const lines = doc.split('\n');
  const anchors = headingAnchors(doc);

  it('is under 260 lines', () => {
    expect(lines.length).toBeLessThan(260);
  });

  it('has its sections: what it is, the two commands, a first delivery, using it from a backend, operating it, results, where to go next', () => {
    for (const title of ['Contents', 'Quick start', 'A first delivery', 'Using it from a backend', 'Operating it', 'Results', 'Where to go next']) {
      expect(section(title, doc).length, title).toBeGreaterThan(100);
    }
    const quickStart = section('Quick start', doc);
    for (const command of ['npm start', 'npm test']) expect(quickStart).toContain(command);
    expect(section('Using it from a backend', doc)).toContain('(docs/contract.md)');
    // The results are dated: every row of the table starts with the day it was measured.
    const results = section('Results', doc)
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| Measured'));
    expect(results.length).toBeGreaterThan(2);
    for (const row of results) expect(row, row).toMatch(/^\| \d{4}-\d{2}-\d{2} \|/);
  });

  it('has a table of contents whose links reach its headings, and that lists every section', () => {
    const toc = section('Contents', doc);
    const links = [...toc.matchAll(/\]\(#([\w-]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(4);
    for (const anchor of links) expect(anchors, `the table of contents links #${anchor}, which is none of the README's headings`).toContain(anchor);
    const sections = lines.filter((l) => l.startsWith('## ') && l !== '## Contents').map((l) => [...headingAnchors(l)][0] as string);
    expect(new Set(links)).toEqual(new Set(sections));
  });

  it('links every docs/*.md page', () => {
    for (const file of docFiles) expect(doc, `the README links ${file}`).toContain(`](${file})`);
  });
});

describe('docs/architecture.md: the life of one event', () => {
  const architecture = read('docs/architecture.md');
  const life = section('The life of one event', architecture);

  it('follows an event from track() to the vendor and back, file by file', () => {
    expect(life).toContain('track(');
    const steps = life.split('\n').filter((l) => /^\d+\. /.test(l));
    expect(steps.length).toBeGreaterThanOrEqual(8);
    for (const file of [
      'client/relay-client.ts',
      'domain/contract/',
      'workflows/user-workflow.ts',
      'workflows/user.ts',
      'workflows/inbox.ts',
      'workflows/dedup.ts',
      'workflows/deliveries.ts',
      'workflows/lane.ts',
      'workflows/sender.ts',
      'activities/send.ts',
      'activities/classify.ts',
      'domain/vendors/',
      'activities/ledger/',
      'workflows/status-view.ts',
    ]) {
      expect(life, file).toContain(`\`${file}`);
    }
    for (const name of ['sendFirstAttempts', 'sendToAdjust', 'firstSendAttempt', 'laneFailure']) expect(life, name).toContain(name);
  });

  it('names only files and folders that exist', () => {
    const paths = [...life.matchAll(/`([\w.-]+\/[\w./-]*)`/g)].map((m) => m[1] as string);
    expect(paths.length).toBeGreaterThan(20);
    for (const p of paths) expect(fs.existsSync(path.join(PROJECT_ROOT, p)), `docs/architecture.md names ${p}, which does not exist`).toBe(true);
  });

  it('describes when the first send attempt is a local activity (the default) and when a regular one', () => {
    const first = section('The first send attempt', architecture);
    expect(first).toMatch(/\*\*local activity\*\*/);
    // The rule the docs explain is the code's: the function they name decides it.
    expect(first).toContain('`inWorkflowTask`');
    expect(read('workflows/sender.ts')).toContain('export function inWorkflowTask(');
    for (const file of ['README.md', ...docFiles]) {
      for (const line of read(file).split('\n')) expect(line, `${file}: ${line}`).not.toMatch(/regular activity, not a local activity/i);
    }
  });
});

describe('docs/configuration.md: the delivery policy', () => {
  it('documents the firstSendAttempt values and default the schema has', () => {
    const schema = Policy.shape.firstSendAttempt;
    const values = schema.unwrap().options as readonly string[];
    const [row] = rows(section('The delivery policy'), 'firstSendAttempt');
    expect(row, 'a firstSendAttempt row').toBeDefined();
    const cells = (row as string).split('|');
    expect(cells[2]).toContain(`\`${String(schema.parse(undefined))}\``);
    const documented = new Set([...(cells[3] ?? '').matchAll(/`([a-z-]+)`:/g)].map((m) => m[1] as string));
    expect(documented).toEqual(new Set(values));
  });
});
