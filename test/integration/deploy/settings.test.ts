// Connection and worker settings from the environment: the connection options built for each shape
// (local plaintext, private CA, mTLS, Temporal Cloud API key, TLS forced off) and the zod messages an
// operator sees for bad values, which must name the variable and say what to set.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionOptions, describeConnection, readTemporalSettings, usesTls } from '../../../client/connection';
import { readWorkerEnv } from '../../../worker/config';
import { metricsBindAddress, metricsUrl, runtimeOptions } from '../../../worker/telemetry';
import { StructuredLogger } from '../../../worker/logger';
import { makeTestPki, type TestPki } from './tls-fixtures';

let pki: TestPki;
let strangerKey: string;
beforeAll(() => {
  pki = makeTestPki();
  strangerKey = path.join(pki.dir, 'stranger.key');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', strangerKey], { stdio: 'ignore' });
});
afterAll(() => {
  if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
});

const errorOf = (env: Record<string, string>): string => {
  try {
    readTemporalSettings(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the settings to be refused');
};

describe('connection options for each configuration shape', () => {
  it('defaults to a local plaintext server', () => {
    const s = readTemporalSettings({});
    expect(s).toMatchObject({ TEMPORAL_ADDRESS: 'localhost:7233', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 's2s-relay' });
    expect(usesTls(s)).toBe(false);
    expect(connectionOptions(s)).toEqual({ address: 'localhost:7233', tls: false });
  });

  it('self-hosted TLS with a private CA and a server name', () => {
    const s = readTemporalSettings({ TEMPORAL_ADDRESS: '10.0.0.5:7233', TEMPORAL_TLS_CA: pki.caCert, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' });
    const options = connectionOptions(s);
    expect(options.tls).toEqual({ serverNameOverride: 'temporal.internal', serverRootCACertificate: fs.readFileSync(pki.caCert) });
    expect(options.apiKey).toBeUndefined();
  });

  it('mTLS (Temporal Cloud certificates or a self-hosted cluster)', () => {
    const s = readTemporalSettings({
      TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_TLS_CERT: pki.clientCert,
      TEMPORAL_TLS_KEY: pki.clientKey,
    });
    expect(connectionOptions(s).tls).toEqual({ clientCertPair: { crt: fs.readFileSync(pki.clientCert), key: fs.readFileSync(pki.clientKey) } });
    expect(describeConnection(s)).toBe('my-ns.a1b2c.tmprl.cloud:7233 namespace=my-ns.a1b2c, mTLS');
  });

  it('Temporal Cloud API key: TLS on with the system CAs, key sent as a bearer token', () => {
    const s = readTemporalSettings({
      TEMPORAL_ADDRESS: 'us-east-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_API_KEY: 'eyJhbGciOi.secret',
    });
    expect(connectionOptions(s)).toEqual({ address: 'us-east-1.aws.api.temporal.io:7233', tls: {}, apiKey: 'eyJhbGciOi.secret' });
    expect(describeConnection(s)).not.toContain('secret');
  });

  it('an API key with TLS forced off (e.g. a local gateway) stays plaintext', () => {
    const s = readTemporalSettings({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' });
    // Explicit false: the SDK would otherwise switch TLS on because an API key is set.
    expect(connectionOptions(s)).toEqual({ address: 'localhost:7233', tls: false, apiKey: 'k' });
  });

  it('TEMPORAL_TLS=true alone: TLS with the system CAs', () => {
    expect(connectionOptions(readTemporalSettings({ TEMPORAL_TLS: 'true' })).tls).toEqual({});
  });

  it('treats empty variables as unset (compose `KEY: ${KEY}` with KEY unset)', () => {
    const s = readTemporalSettings({ TEMPORAL_API_KEY: '', TEMPORAL_TLS_CA: '', TEMPORAL_TLS: ' ' });
    expect(connectionOptions(s)).toEqual({ address: 'localhost:7233', tls: false });
  });

  it('accepts IPv6 addresses in brackets', () => {
    expect(readTemporalSettings({ TEMPORAL_ADDRESS: '[::1]:7233' }).TEMPORAL_ADDRESS).toBe('[::1]:7233');
  });
});

describe('messages for bad connection settings', () => {
  it('names the variable and gives an example', () => {
    expect(errorOf({ TEMPORAL_ADDRESS: 'localhost' })).toBe(
      'invalid Temporal connection settings: TEMPORAL_ADDRESS: must be host:port, e.g. localhost:7233, temporal:7233 or my-ns.a1b2c.tmprl.cloud:7233; got "localhost"',
    );
    expect(errorOf({ TEMPORAL_ADDRESS: 'h:70000' })).toContain('TEMPORAL_ADDRESS: the port must be between 1 and 65535; got 70000');
    expect(errorOf({ TEMPORAL_NAMESPACE: 'my namespace' })).toContain('TEMPORAL_NAMESPACE: must be a namespace name');
    expect(errorOf({ TEMPORAL_TASK_QUEUE: 'a/b' })).toContain('TEMPORAL_TASK_QUEUE: must be 1-200 letters, digits');
    expect(errorOf({ TEMPORAL_TLS: 'yes' })).toContain('TEMPORAL_TLS: must be "true" or "false"');
    expect(errorOf({ TEMPORAL_API_KEY: 'abc def' })).toContain('TEMPORAL_API_KEY: must not contain spaces or line breaks');
  });

  it('explains TLS file problems', () => {
    expect(errorOf({ TEMPORAL_TLS_CA: '/nowhere/ca.pem' })).toContain(
      'TEMPORAL_TLS_CA: must be the path of a readable PEM file holding the CA certificate that signed the server certificate; cannot read /nowhere/ca.pem (ENOENT)',
    );
    expect(errorOf({ TEMPORAL_TLS_CA: pki.dir })).toContain(
      `TEMPORAL_TLS_CA: must be the path of a PEM file holding the CA certificate that signed the server certificate; ${pki.dir} is not a file`,
    );
    const notPem = path.join(pki.dir, 'server.ext');
    expect(errorOf({ TEMPORAL_TLS_CA: notPem })).toContain(
      `TEMPORAL_TLS_CA: must be a PEM file holding the CA certificate that signed the server certificate; ${notPem} has no "-----BEGIN" block`,
    );
  });

  it('requires certificate and key together, and the key to belong to the certificate', () => {
    expect(errorOf({ TEMPORAL_TLS_CERT: pki.clientCert })).toContain(
      'TEMPORAL_TLS_KEY: is missing: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together',
    );
    expect(errorOf({ TEMPORAL_TLS_KEY: pki.clientKey })).toContain('TEMPORAL_TLS_CERT: is missing');
    expect(errorOf({ TEMPORAL_TLS_CERT: pki.clientCert, TEMPORAL_TLS_KEY: strangerKey })).toContain(
      `TEMPORAL_TLS_KEY: ${strangerKey} is not the private key of the certificate in TEMPORAL_TLS_CERT (${pki.clientCert})`,
    );
    expect(errorOf({ TEMPORAL_TLS_CERT: pki.clientKey, TEMPORAL_TLS_KEY: pki.clientKey })).toContain('is not a valid X.509 certificate');
  });

  it('refuses TLS settings with TLS turned off', () => {
    expect(errorOf({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CA: pki.caCert })).toContain(
      'TEMPORAL_TLS_CA: is set but TEMPORAL_TLS is "false": remove TEMPORAL_TLS_CA or set TEMPORAL_TLS=true',
    );
  });

  it('reports every problem at once', () => {
    const message = errorOf({ TEMPORAL_ADDRESS: 'x', TEMPORAL_TLS: 'maybe' });
    expect(message).toContain('TEMPORAL_ADDRESS:');
    expect(message).toContain('TEMPORAL_TLS:');
  });
});

describe('worker settings: metrics, bundle and shutdown', () => {
  const base = { S2S_APP_CONFIG: 'config/demo.yaml' };
  const workerError = (env: Record<string, string>) => {
    try {
      readWorkerEnv({ ...base, ...env });
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the worker settings to be refused');
  };

  it('turns metrics on with a port, binding the loopback interface unless S2S_METRICS_HOST opts in', () => {
    const env = readWorkerEnv({ ...base, S2S_METRICS_PORT: '9464' });
    expect(metricsBindAddress(env)).toBe('127.0.0.1:9464');
    expect(metricsUrl(env)).toBe('http://127.0.0.1:9464/metrics');
    const everywhere = readWorkerEnv({ ...base, S2S_METRICS_PORT: '9464', S2S_METRICS_HOST: '0.0.0.0' });
    expect(metricsBindAddress(everywhere)).toBe('0.0.0.0:9464');
    expect(metricsUrl(everywhere)).toBe('http://localhost:9464/metrics');
    const options = runtimeOptions(env, new StructuredLogger('ERROR', 'json', () => undefined));
    expect(options.shutdownSignals).toEqual([]);
    const metrics = options.telemetryOptions?.metrics as { prometheus: { bindAddress: string; histogramBucketOverrides: Record<string, number[]> } };
    expect(metrics.prometheus.bindAddress).toBe('127.0.0.1:9464');
    expect(Object.keys(metrics.prometheus.histogramBucketOverrides)).toContain('s2s_gate_wait');
  });

  it('leaves metrics off when unset or 0', () => {
    for (const env of [readWorkerEnv(base), readWorkerEnv({ ...base, S2S_METRICS_PORT: '0' }), readWorkerEnv({ ...base, S2S_METRICS_PORT: '' })]) {
      expect(metricsBindAddress(env)).toBeUndefined();
      expect(runtimeOptions(env, new StructuredLogger()).telemetryOptions).toBeUndefined();
    }
  });

  it('explains bad values', () => {
    expect(workerError({ S2S_METRICS_PORT: 'abc' })).toContain('S2S_METRICS_PORT: S2S_METRICS_PORT must be a port number (1-65535), or 0 to turn metrics off');
    expect(workerError({ S2S_METRICS_PORT: '70000' })).toContain('S2S_METRICS_PORT must be at most 65535');
    expect(workerError({ S2S_SHUTDOWN_GRACE: 'soon' })).toContain('S2S_SHUTDOWN_GRACE must be a duration such as "45s" or "2m"; got "soon"');
    expect(workerError({ S2S_WORKFLOW_BUNDLE: '/nowhere/bundle.js' })).toContain('S2S_WORKFLOW_BUNDLE must be the path of a readable workflow bundle file');
    expect(() => readWorkerEnv({})).toThrow('S2S_APP_CONFIG is required: the path of the app configuration file');
  });

  it('counts user workflows in visibility every minute by default, at another interval, or never', () => {
    expect(readWorkerEnv(base).S2S_VISIBILITY_METRICS_INTERVAL).toBe(60_000);
    expect(readWorkerEnv({ ...base, S2S_VISIBILITY_METRICS_INTERVAL: '5m' }).S2S_VISIBILITY_METRICS_INTERVAL).toBe(300_000);
    expect(readWorkerEnv({ ...base, S2S_VISIBILITY_METRICS_INTERVAL: '0' }).S2S_VISIBILITY_METRICS_INTERVAL).toBe(0);
    expect(workerError({ S2S_VISIBILITY_METRICS_INTERVAL: 'hourly' })).toContain(
      'S2S_VISIBILITY_METRICS_INTERVAL must be a duration such as "60s" or "5m", or 0 to turn the counts off; got "hourly"',
    );
  });

  it('parses the shutdown grace as a duration', () => {
    expect(readWorkerEnv({ ...base, S2S_SHUTDOWN_GRACE: '45s' }).S2S_SHUTDOWN_GRACE).toBe(45_000);
    expect(readWorkerEnv(base).S2S_SHUTDOWN_GRACE).toBeUndefined();
  });
});
