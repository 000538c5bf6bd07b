// docker-compose.yml, checked without a Docker engine: the services of Temporal's current compose layout
// (no auto-setup), pinned images, health checks and depends_on conditions, ports, the worker's environment
// against the zod schemas (required names derived from them), files it mounts, and the setup script run for
// real against the test dev server (fresh namespace, twice: idempotent).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import YAML from 'yaml';
import { Connection } from '@temporalio/client';
import { TemporalSettings } from '../../../client/connection';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../../domain/search-attributes';
import { loadRelayConfig } from '../../../worker/app-config';
import { readWorkerEnv } from '../../../worker/config';
import { PROJECT_ROOT } from '../../../worker/paths';
import { searchAttributeCommands } from '../../../worker/search-attributes';
import { findTemporalCli } from '../../../worker/temporal-cli';
import { shutdownGraceMs } from '../../../worker/workers';
import { readDockerfile, stageEnv } from './dockerfile';
import { composeDefault, knownWorkerVariables, requiredWorkerVariables } from './env-schema';

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  environment?: Record<string, string | number | boolean>;
  healthcheck?: { test: string[] | string };
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  entrypoint?: string[];
  command?: string[];
  init?: boolean;
  restart?: string;
  stop_signal?: string;
  stop_grace_period?: string;
}

const compose = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const service = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
};
const env = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, composeDefault(v)]));
const repoPath = (p: string) => path.resolve(PROJECT_ROOT, p);
const runtimeStage = readDockerfile().stages.at(-1);

describe('docker-compose.yml: services and images', () => {
  it("has the pieces of Temporal's current compose layout and the relay", () => {
    expect(Object.keys(services).sort()).toEqual(['emulator', 'postgresql', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(service('postgresql').image).toMatch(/^postgres:\d+\.\d+$/);
    expect(service('temporal-schema').image).toMatch(/^temporalio\/admin-tools:/);
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(service('temporal-setup').image).toMatch(/^temporalio\/admin-tools:/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    expect(fs.readFileSync(repoPath('docker-compose.yml'), 'utf8')).not.toContain('auto-setup');
  });

  it('pins every image to an explicit version; server and admin-tools move together', () => {
    const images = Object.values(services)
      .map((s) => s.image)
      .filter((i): i is string => Boolean(i));
    for (const image of images.filter((i) => !i.startsWith('s2s-relay:'))) expect(image).toMatch(/^[\w./-]+:\d+\.\d+(\.\d+)?$/);
    const version = (image?: string) => image?.split(':')[1];
    expect(version(service('temporal').image)).toBe(version(service('temporal-schema').image));
    expect(version(service('temporal').image)).toBe(version(service('temporal-setup').image));
  });

  it('builds the relay image from the Dockerfile in the repository', () => {
    for (const name of ['worker', 'emulator']) {
      const build = service(name).build;
      expect(build?.context).toBe('.');
      expect(fs.existsSync(path.join(repoPath(build?.context ?? ''), build?.dockerfile ?? 'Dockerfile'))).toBe(true);
      expect(service(name).init).toBe(true);
    }
  });
});

describe('docker-compose.yml: start order and health', () => {
  it('gives PostgreSQL and the server health checks', () => {
    expect(JSON.stringify(service('postgresql').healthcheck?.test)).toContain('pg_isready');
    expect(service('temporal').healthcheck?.test).toBeDefined();
    expect(JSON.stringify(service('worker').healthcheck?.test)).toContain(`:${env('worker').S2S_METRICS_PORT}/metrics`);
  });

  it('orders start-up with depends_on conditions', () => {
    expect(service('temporal-schema').depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
    expect(service('temporal').depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(service('temporal-setup').depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(service('temporal-ui').depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(service('worker').depends_on?.['temporal-setup']).toEqual({ condition: 'service_completed_successfully' });
    // The emulator is optional (profile): the worker waits for it only when it is part of the run.
    expect(service('worker').depends_on?.emulator).toEqual({ condition: 'service_started', required: false });
  });

  it('uses each condition where it can hold', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [target, dep] of Object.entries(s.depends_on ?? {})) {
        expect(services[target], `${name} depends on unknown service ${target}`).toBeDefined();
        if (dep.condition === 'service_healthy') expect(service(target).healthcheck, `${target} needs a healthcheck for ${name}`).toBeDefined();
        if (dep.condition === 'service_completed_successfully') {
          // One-shot setup containers: they exit; a restart policy of "always"/"unless-stopped" would never complete.
          expect(service(target).restart ?? 'no').toMatch(/^(no|on-failure(:\d+)?)$/);
          expect(service(target).ports).toBeUndefined();
        }
      }
    }
  });

  it('puts the emulator in its own profile and nothing else', () => {
    expect(service('emulator').profiles).toEqual(['emulator']);
    for (const [name, s] of Object.entries(services)) if (name !== 'emulator') expect(s.profiles, name).toBeUndefined();
  });
});

describe('docker-compose.yml: ports', () => {
  const published = (name: string) => (service(name).ports ?? []).map(composeDefault);

  it('publishes the frontend, the UI on 8080, metrics and the emulator on 127.0.0.1 only, unless S2S_PUBLISH_ADDRESS opts in', () => {
    expect(published('temporal')).toEqual(['127.0.0.1:7233:7233']);
    expect(published('temporal-ui')).toEqual(['127.0.0.1:8080:8080']);
    expect(published('worker')).toEqual([`127.0.0.1:${env('worker').S2S_METRICS_PORT}:${env('worker').S2S_METRICS_PORT}`]);
    expect(published('emulator')).toEqual([`127.0.0.1:${env('emulator').EMULATOR_PORT}:${env('emulator').EMULATOR_PORT}`]);
    for (const [name, s] of Object.entries(services)) {
      for (const port of s.ports ?? []) expect(port, `${name} publishes ${port}`).toMatch(/^\$\{S2S_PUBLISH_ADDRESS:-127\.0\.0\.1\}:\d+:\d+$/);
    }
  });

  it('listens on all interfaces inside the containers only, where the other services reach it', () => {
    // A published port forwards to the container's own interface, so these must not be loopback in there.
    expect(env('emulator').EMULATOR_HOST).toBe('0.0.0.0');
    expect(env('worker').S2S_METRICS_HOST).toBe('0.0.0.0');
    // The code's defaults stay on loopback.
    expect(readWorkerEnv({ S2S_APP_CONFIG: 'config/demo.yaml' }).S2S_METRICS_HOST).toBe('127.0.0.1');
    expect(fs.readFileSync(repoPath('emulator/main.ts'), 'utf8')).toContain("process.env['EMULATOR_HOST'] ?? '127.0.0.1'");
  });

  it('pins the Temporal server version that scripts/temporal-server.sh runs and test:cluster tests', () => {
    const script = fs.readFileSync(repoPath('scripts/temporal-server.sh'), 'utf8');
    const version = /TEMPORAL_SERVER_VERSION:-([\d.]+)\}/.exec(script)?.[1];
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(service('temporal').image).toBe(`temporalio/server:${version}`);
    expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${version}`);
  });

  it('points every Temporal client at the server service', () => {
    for (const name of ['temporal-setup', 'temporal-ui', 'worker']) expect(env(name).TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env('temporal').BIND_ON_IP).toBe('0.0.0.0');
  });
});

describe('docker-compose.yml: the worker environment against the worker schemas', () => {
  const imageEnv = runtimeStage ? stageEnv(runtimeStage) : {};
  const workerEnv = { ...imageEnv, ...env('worker') };
  const appConfigFile = () => {
    const inContainer = workerEnv.S2S_APP_CONFIG as string;
    expect(inContainer.startsWith('/app/config/')).toBe(true); // shipped in the image (COPY config ./config)
    return repoPath(inContainer.replace('/app/', ''));
  };

  it('provides every variable the schemas require', () => {
    const required = requiredWorkerVariables();
    expect(required).toContain('S2S_APP_CONFIG'); // the derivation finds the one required today
    for (const name of required) expect(workerEnv[name], `${name} is required by the worker`).toBeTruthy();
  });

  it('sets only variables the worker knows (or the app configuration names as secrets)', () => {
    const loaded = loadRelayConfig(appConfigFile(), workerEnv);
    const secretEnv = new Set<string>();
    for (const app of Object.values(loaded.config.apps)) {
      for (const ref of [app.adjust?.s2sToken, app.appsflyer?.key]) if (ref && 'env' in ref) secretEnv.add(ref.env);
    }
    const known = new Set([...knownWorkerVariables(), ...secretEnv]);
    for (const name of Object.keys(env('worker'))) expect(known.has(name), `${name} is not read by the worker`).toBe(true);
    // Every secret the app configuration names is provided.
    for (const name of secretEnv) expect(workerEnv[name], name).toBeTruthy();
  });

  it('passes the worker and connection schemas', () => {
    const { S2S_WORKFLOW_BUNDLE: bundle, ...rest } = workerEnv;
    expect(bundle).toBe('/app/dist/workflow-bundle.js'); // written in the build stage; checked in dockerfile.test.ts
    const parsed = readWorkerEnv({ ...rest, S2S_APP_CONFIG: appConfigFile() });
    expect(parsed.S2S_METRICS_PORT).toBe(9464);
    expect(TemporalSettings.parse(rest)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 's2s-relay' });
    expect(env('temporal-setup').NAMESPACE).toBe(workerEnv.TEMPORAL_NAMESPACE);
  });

  it('gives the worker longer to stop than it takes to drain in-flight sends', () => {
    const loaded = loadRelayConfig(appConfigFile(), workerEnv);
    const graceMs = shutdownGraceMs(loaded.config);
    const stopMs = Number(/^(\d+)s$/.exec(service('worker').stop_grace_period ?? '')?.[1]) * 1000;
    // Drain time plus the workers' force-stop margin (15 s) must fit before Docker sends SIGKILL.
    expect(stopMs).toBeGreaterThan(graceMs + 15_000);
    expect(service('worker').stop_signal ?? 'SIGTERM').toBe('SIGTERM');
  });

  it('runs the dry run against the emulator with the demo apps unchanged', () => {
    const dryRun = YAML.parse(fs.readFileSync(appConfigFile(), 'utf8')) as Record<string, unknown>;
    const demo = YAML.parse(fs.readFileSync(repoPath('config/demo.yaml'), 'utf8')) as Record<string, unknown>;
    expect(dryRun.apps).toEqual(demo.apps);
    expect(dryRun.policy).toEqual(demo.policy);
    const port = env('emulator').EMULATOR_PORT;
    for (const url of Object.values(dryRun.vendors as Record<string, string>)) expect(url).toMatch(new RegExp(`^http://emulator:${port}/`));
    expect(service('emulator').command).toEqual(['node', 'dist/emulator/main.js']);
    expect(fs.existsSync(repoPath('emulator/main.ts'))).toBe(true);
  });
});

describe('docker-compose.yml: files it mounts', () => {
  it('mounts files that exist in the repository', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (!source.startsWith('.')) {
          expect(Object.keys(compose.volumes ?? {}), `${name}: named volume ${source}`).toContain(source);
          continue;
        }
        expect(fs.existsSync(repoPath(source)), `${name} mounts ${source}`).toBe(true);
      }
    }
  });

  it('runs the setup scripts it mounts', () => {
    for (const name of ['temporal-schema', 'temporal-setup']) {
      const [shell, script] = service(name).entrypoint ?? [];
      expect(shell).toBe('/bin/sh');
      const mount = (service(name).volumes ?? []).find((v) => v.split(':')[1] === script);
      expect(mount, `${name} mounts ${script}`).toBeDefined();
    }
  });

  it('loads a dynamic config file that exists', () => {
    const file = env('temporal').DYNAMIC_CONFIG_FILE_PATH as string;
    const mount = (service('temporal').volumes ?? []).find((v) => v.includes('/etc/temporal/config/dynamicconfig'));
    const local = path.join(repoPath((mount as string).split(':')[0] as string), path.basename(file));
    expect(file.startsWith('config/dynamicconfig/')).toBe(true);
    const dynamic = YAML.parse(fs.readFileSync(local, 'utf8')) as Record<string, Array<{ value: unknown }>>;
    expect(dynamic['limit.maxIDLength']?.[0]?.value).toBe(255);
  });

  it('registers exactly the search attributes the workflows use', () => {
    const script = fs.readFileSync(repoPath('deploy/temporal/setup-namespace.sh'), 'utf8');
    for (const command of searchAttributeCommands('"$NAMESPACE"')) expect(script).toContain(command);
    expect(script.match(/search-attribute create/g)).toHaveLength(SEARCH_ATTRIBUTE_DEFINITIONS.length);
  });
});

describe('deploy/temporal/setup-namespace.sh against a real server', () => {
  it('creates the namespace and the S2S search attributes, and is idempotent', async () => {
    const cli = await findTemporalCli();
    const namespace = `s2s-setup-${randomUUID().slice(0, 8)}`;
    const run = () =>
      promisify(execFile)('sh', [repoPath('deploy/temporal/setup-namespace.sh')], {
        env: {
          ...process.env,
          PATH: `${path.dirname(cli)}:${process.env.PATH ?? ''}`,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          NAMESPACE: namespace,
          NAMESPACE_RETENTION: '24h',
        },
        timeout: 60_000,
      });
    const first = await run();
    expect(first.stdout).toContain(`namespace ${namespace} created (retention 24h)`);
    const second = await run();
    expect(second.stdout).toContain(`namespace ${namespace} exists`);

    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      for (const sa of SEARCH_ATTRIBUTE_DEFINITIONS) expect(Object.keys(customAttributes ?? {})).toContain(sa.name);
      const described = await connection.workflowService.describeNamespace({ namespace });
      expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(24 * 3600);
    } finally {
      await connection.close();
    }
  });
});
