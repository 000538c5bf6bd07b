// The monitoring pack in deploy/observability/, checked without a running Prometheus: `promtool check rules`,
// the rules' unit tests (`promtool test rules alerts.test.yml`), `promtool check config` of the example
// configuration; every alert has a unit test and a runbook section in docs/operations.md; the rules and the
// Grafana dashboard name only metrics and labels that exist. promtool comes with Debian's `prometheus` package;
// CI installs it (.ci/run). Without it the promtool checks are skipped here, saying so.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { METRICS, type MetricDefinition } from '../../../domain/metrics';
import { PROJECT_ROOT } from '../../../worker/paths';
import { headingAnchors } from './markdown';

const run = promisify(execFile);
const DIR = path.join(PROJECT_ROOT, 'deploy', 'observability');
const read = (file: string) => fs.readFileSync(path.join(DIR, file), 'utf8');

function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const promtool = which('promtool');
if (!promtool) console.warn('[observability] promtool not found: skipping `promtool check/test rules` (install it with `apt-get install prometheus`; CI does)');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const rules = (YAML.parse(read('alerts.yml')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(read('grafana-dashboard.json')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; definition?: string }> };
};
const dashboardExprs = [
  ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
  ...dashboard.templating.list.flatMap((t) => (t.definition ? [t.definition] : [])),
];

/** SDK (Temporal Core) metrics the rules and the dashboard may use: seen on a worker's /metrics, or counters the SDK creates at their first increment. */
const SDK_METRICS = [
  'temporal_activity_schedule_to_start_latency_bucket',
  'temporal_workflow_task_schedule_to_start_latency_bucket',
  'temporal_long_request',
  'temporal_long_request_failure',
  'temporal_num_pollers',
  'temporal_workflow_task_execution_failed',
  'temporal_workflow_failed',
  'temporal_workflow_completed',
  'temporal_workflow_canceled',
];
/** Labels the SDK adds: on s2s-relay's metrics (the TypeScript meter) and on its own (Core). */
const S2S_SDK_LABELS = ['namespace', 'taskQueue', 'workflowType', 'activityType'];
const PROMETHEUS_LABELS = ['job', 'instance', 'le'];

function s2sMetric(name: string): MetricDefinition | undefined {
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return (Object.values(METRICS) as MetricDefinition[]).find((m) => m.name === name || (m.kind === 'histogram' && m.name === base));
}

/** Metric names in a PromQL expression (selectors, not label values or functions). */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...withoutStrings.matchAll(/\b((?:s2s|temporal)_[a-z_]+|up)\b(?!\s*\()/g)].map((m) => m[1] as string);
}

describe.skipIf(!promtool)('promtool', () => {
  it('accepts the alert rules (promtool check rules)', async () => {
    const { stdout } = await run(promtool as string, ['check', 'rules', path.join(DIR, 'alerts.yml')]);
    expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('passes the rules unit tests (promtool test rules alerts.test.yml)', async () => {
    const result = await run(promtool as string, ['test', 'rules', path.join(DIR, 'alerts.test.yml')]).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      failed: true,
    }));
    expect(result.stdout).toContain('SUCCESS');
    expect('failed' in result, result.stdout).toBe(false);
  });

  it('accepts the example Prometheus configuration (promtool check config)', async () => {
    const { stdout } = await run(promtool as string, ['check', 'config', path.join(DIR, 'prometheus.yml')]);
    expect(stdout).toContain('is valid prometheus config file syntax');
  });
});

describe('the alert rules', () => {
  it('cover what the issue asks for: dead letters, pending, failures by class, misconfiguration, workers, workflow tasks, user workflows, memory', () => {
    const names = rules.map((r) => r.alert);
    for (const name of [
      'S2SDeadLettersAppeared',
      'S2SPendingDeliveriesGrowing',
      'S2SVendorFailing',
      'S2SSendsRejected',
      'S2SMisconfigured',
      'S2SWorkerDown',
      'S2SWorkerNotPolling',
      'S2SWorkflowTaskFailures',
      'S2SUserWorkflowsEnded',
      'S2SUserWorkflowsClosed',
      'S2SWorkerMemoryHigh',
    ]) {
      expect(names).toContain(name);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('each have a severity, a summary, a description and a runbook section in docs/operations.md', () => {
    const operations = fs.readFileSync(path.join(PROJECT_ROOT, 'docs', 'operations.md'), 'utf8');
    const anchors = headingAnchors(operations);
    for (const rule of rules) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      const [file, anchor] = (rule.annotations?.runbook_url ?? '').split('#');
      expect(file, rule.alert).toBe('docs/operations.md');
      expect(anchors, `${rule.alert}: docs/operations.md has no heading #${anchor}`).toContain(anchor);
    }
  });

  it('each have a unit test in alerts.test.yml', () => {
    const tests = YAML.parse(read('alerts.test.yml')) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
    const firing = new Set(tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    for (const rule of rules) expect(firing.has(rule.alert), `${rule.alert} has a test case where it fires`).toBe(true);
  });
});

describe('metrics the rules and the dashboard use', () => {
  const exprs = [...rules.map((r) => r.expr), ...dashboardExprs];

  it('exist: s2s-relay metrics in domain/metrics.ts, SDK metrics a worker exports', () => {
    const used = new Set(exprs.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(12);
    for (const name of used) {
      if (name === 'up') continue;
      if (name.startsWith('s2s_')) expect(s2sMetric(name), `${name} is defined in domain/metrics.ts`).toBeDefined();
      else expect(SDK_METRICS, `${name} is an SDK metric the worker exports`).toContain(name);
    }
    // The alerts use the relay's counters and both gauges.
    for (const m of [METRICS.deadLetters, METRICS.sendFailures, METRICS.userWorkflows, METRICS.processMemory]) expect(used.has(m.name), m.name).toBe(true);
  });

  it('select s2s-relay metrics only by labels they carry', () => {
    for (const expr of exprs) {
      for (const m of expr.matchAll(/\b(s2s_[a-z_]+)\{([^}]*)\}/g)) {
        const metric = s2sMetric(m[1] as string) as MetricDefinition;
        const labels = [...(m[2] as string).matchAll(/([A-Za-z_]+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1] as string);
        for (const label of labels) expect([...metric.labels, ...S2S_SDK_LABELS, ...PROMETHEUS_LABELS], `${metric.name}{${label}} in ${expr}`).toContain(label);
      }
    }
  });

  it('the dashboard is Grafana JSON with a panel per topic, on the namespace and task-queue variables', () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    expect(dashboard.templating.list.map((t) => t.name)).toEqual(['DS_PROMETHEUS', 'namespace', 'taskQueue']);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    for (const m of [METRICS.deliveryOutcomes, METRICS.deadLetters, METRICS.sendFailures, METRICS.userWorkflows, METRICS.processMemory]) {
      expect(
        dashboardExprs.some((e) => e.includes(m.name)),
        m.name,
      ).toBe(true);
    }
  });
});
