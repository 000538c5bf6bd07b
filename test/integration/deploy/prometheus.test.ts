// A real Prometheus (Debian's `prometheus` binary, a temporary configuration on a free port) scrapes a real
// worker process (`worker/main.ts`, metrics on a free port) with the monitoring pack's rules loaded. Through
// the Prometheus HTTP API it sees the relay's counters at 0 with their full label sets, the memory gauge, the
// visibility gauge and the SDK's metrics; every rule loads and evaluates; every dashboard query runs; and the
// first dead letter fires S2SDeadLettersAppeared. Skipped, saying so, where the binary is missing (CI installs it).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { RelayClient } from '../../../client/relay-client';
import { readPayloadEncryption } from '../../../codec/payload-encryption';
import { startEmulator, type Emulator } from '../../../emulator/server';
import { freePort } from '../../../worker/net';
import { PROJECT_ROOT } from '../../../worker/paths';
import { DEMO_SECRETS, demoAppConfig, TEST_POLICY, waitFor } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const prometheusBin = which('prometheus');
if (!prometheusBin)
  console.warn('[prometheus] the prometheus binary is not installed: skipping the real-Prometheus scrape test (`apt-get install prometheus`; CI does)');

const OBSERVABILITY = path.join(PROJECT_ROOT, 'deploy', 'observability');
let tmp: string;
let emulator: Emulator | undefined;
let worker: ChildProcess | undefined;
let prometheus: ChildProcess | undefined;
let connection: Connection | undefined;
let promUrl: string;
let taskQueue: string;
const workerLog: string[] = [];

interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(expr: string): Promise<PromSeries[]> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error ?? response.status}`);
  return body.data?.result ?? [];
}

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000) =>
  waitFor(
    what,
    async () => {
      if (worker?.exitCode !== null && worker?.exitCode !== undefined) throw new Error(`the worker exited: ${workerLog.slice(-10).join('')}`);
      return probe().catch(() => undefined);
    },
    timeoutMs,
    250,
  );

beforeAll(async () => {
  if (!prometheusBin) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-relay-prometheus-'));
  emulator = await startEmulator({ quiet: true });
  const appConfig = path.join(tmp, 'app-config.json');
  fs.writeFileSync(appConfig, JSON.stringify(demoAppConfig(emulator.url, TEST_POLICY), null, 2));
  taskQueue = `prometheus-${randomUUID()}`;
  const metricsPort = await freePort();
  worker = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: taskQueue,
      S2S_APP_CONFIG: appConfig,
      S2S_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      S2S_METRICS_PORT: String(metricsPort),
      S2S_VISIBILITY_METRICS_INTERVAL: '1s',
      S2S_LOG_LEVEL: 'warn',
      // Encrypted payloads, as in every run of the suite (the privacy scan reads what this worker writes).
      S2S_PAYLOAD_KEYS: process.env.S2S_PAYLOAD_KEYS ?? '',
      ...DEMO_SECRETS,
    },
  });
  for (const stream of [worker.stdout, worker.stderr]) stream?.on('data', (chunk: Buffer) => workerLog.push(chunk.toString('utf8')));

  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [path.join(OBSERVABILITY, 'alerts.yml')],
    scrape_configs: [{ job_name: 's2s-relay', static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] }],
  };
  fs.writeFileSync(path.join(tmp, 'prometheus.yml'), JSON.stringify(config));
  const promLog = fs.openSync(path.join(tmp, 'prometheus.log'), 'a');
  prometheus = spawn(
    prometheusBin,
    [`--config.file=${path.join(tmp, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(tmp, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
    { stdio: ['ignore', promLog, promLog] },
  );
  fs.closeSync(promLog);
  await until('Prometheus scraping the worker', async () => ((await query('up{job="s2s-relay"} == 1')).length === 1 ? true : undefined), 90_000);
  connection = await Connection.connect({ address: inject('temporalAddress') });
});

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker?.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await connection?.close();
  await emulator?.close();
  if (tmp && !process.env.S2S_KEEP_TEST_DATA) fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!prometheusBin)('a real Prometheus scraping a real worker', () => {
  it("sees every relay counter at 0 from the start, with the worker's namespace and task queues", async () => {
    // The workflow worker's series and the vendor workers' can first show in different scrapes: wait for all.
    const { deadLetters, misconfigured, outcomes } = await until('s2s_dead_letters, s2s_send_failures and s2s_delivery_outcomes', async () => {
      const found = {
        deadLetters: await query(`s2s_dead_letters{taskQueue="${taskQueue}"}`),
        misconfigured: await query(`s2s_send_failures{failure_type="S2SMisconfigured", taskQueue=~"${taskQueue}-.*"}`),
        outcomes: await query(`s2s_delivery_outcomes{taskQueue="${taskQueue}"}`),
      };
      return found.deadLetters.length >= 3 && found.misconfigured.length >= 2 && found.outcomes.length >= 8 ? found : undefined;
    });
    expect(deadLetters.map((s) => s.metric.destination).sort()).toEqual(['adjust', 'appsflyer', 'none']);
    for (const s of deadLetters) expect(s.metric).toMatchObject({ job: 's2s-relay', namespace: 'default', workflowType: 'userWorkflow', taskQueue });
    expect(misconfigured.map((s) => `${s.metric.vendor}:${s.metric.activityType}:${s.metric.retryable}:${s.value[1]}`).sort()).toEqual([
      'adjust:sendToAdjust:true:0',
      'appsflyer:sendToAppsflyer:true:0',
    ]);
    expect(outcomes).toHaveLength(8);
  });

  it('sees the process memory gauge and the user workflows counted in visibility', async () => {
    const rss = await until('s2s_process_memory_bytes', async () => (await query('s2s_process_memory_bytes{job="s2s-relay", memory="rss"}'))[0]);
    expect(Number(rss.value[1])).toBeGreaterThan(20 * 1024 * 1024);
    const states = await until('s2s_user_workflows', async () => {
      const r = await query(`s2s_user_workflows{taskQueue="${taskQueue}"}`);
      return r.length >= 8 ? r : undefined;
    });
    expect(states.map((s) => s.metric.state).sort()).toEqual([
      'canceled',
      'completed',
      'dead_letters',
      'failed',
      'pending',
      'running',
      'terminated',
      'timed_out',
    ]);
  });

  it("sees the SDK's worker metrics (pollers on all three task queues)", async () => {
    const pollers = await until('temporal_num_pollers', async () => {
      const r = await query(`sum by (task_queue) (temporal_num_pollers{task_queue=~"${taskQueue}.*"})`);
      return r.length === 3 ? r : undefined;
    });
    expect(pollers.map((s) => s.metric.task_queue).sort()).toEqual([taskQueue, `${taskQueue}-adjust`, `${taskQueue}-appsflyer`]);
  });

  it('loads and evaluates every alert rule', async () => {
    const rules = await until('rules evaluated', async () => {
      const body = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string }> }> };
      };
      const all = body.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health === 'ok') ? body.data.groups : undefined;
    });
    expect(rules.map((g) => g.name).sort()).toEqual(['s2s-relay-deliveries', 's2s-relay-sends', 's2s-relay-user-workflows', 's2s-relay-workers']);
    expect(rules.flatMap((g) => g.rules).length).toBe(16);
  });

  it('runs every query of the Grafana dashboard', async () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(OBSERVABILITY, 'grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const resolve = (expr: string) =>
      expr.replaceAll('$__rate_interval', '1m').replaceAll('${taskQueue}', taskQueue).replaceAll('$taskQueue', taskQueue).replaceAll('$namespace', 'default');
    for (const panel of dashboard.panels) for (const target of panel.targets) await expect(query(resolve(target.expr)), panel.title).resolves.toBeDefined();
    expect((await query(resolve('max by (state) (s2s_user_workflows{namespace=~"$namespace", taskQueue=~"$taskQueue"})'))).length).toBe(8);
  });

  it('fires S2SDeadLettersAppeared on the first dead letter', async () => {
    const relay = new RelayClient(new Client({ connection: connection as Connection, dataConverter: readPayloadEncryption().dataConverter }), { taskQueue });
    // Adjust does not know the trial's event token (400 Invalid event token): the workflow dead-letters it.
    const install = iosInstall({ installedAt: new Date(Date.now() - 3_600_000).toISOString() });
    registerInstall(emulator as Emulator, install);
    (emulator as Emulator).updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', eventTokens: { tr1al1: null } }] });
    await relay.signup(install);
    await relay.track({ userId: install.userId, eventId: 'evt_prom_trial', name: 'trial', occurredAt: new Date(Date.now() - 60_000).toISOString() });
    const alert = await until(
      'S2SDeadLettersAppeared firing',
      async () => (await query(`ALERTS{alertname="S2SDeadLettersAppeared", alertstate="firing", taskQueue="${taskQueue}"}`))[0],
      60_000,
    );
    expect(alert.metric).toMatchObject({ destination: 'adjust', namespace: 'default', severity: 'warning' });
    expect(Number((await query(`s2s_dead_letters{taskQueue="${taskQueue}", destination="adjust"}`))[0]?.value[1])).toBe(1);
  });
});
