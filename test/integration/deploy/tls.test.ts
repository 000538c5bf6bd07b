// TLS end to end: the relay's real worker (NativeConnection) and client library (Connection) reach the dev
// server through a TLS-terminating proxy using only the TEMPORAL_* settings: a private CA with a server name
// override, then mTLS with a client certificate. Wrong settings fail to connect instead of going plaintext.
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectionOptions, readTemporalSettings, type TemporalSettings } from '../../../client/connection';
import { RelayClient } from '../../../client/relay-client';
import { startEmulator, type Emulator } from '../../../emulator/server';
import { resolveAppConfig, type LoadedConfig } from '../../../worker/app-config';
import { connectWorker } from '../../../worker/run';
import { createRelayWorkers } from '../../../worker/workers';
import { DEMO_SECRETS, demoAppConfig, TEST_POLICY, waitFor } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';
import { readPayloadEncryption } from '../../../codec/payload-encryption';
import { testLedger } from '../../helpers/ledger';
import { CLIENT_NAME, makeTestPki, SERVER_NAME, startTlsProxy, type TestPki, type TlsProxy } from './tls-fixtures';

let pki: TestPki;
let tlsProxy: TlsProxy;
let mtlsProxy: TlsProxy;
let emulator: Emulator;
let loaded: LoadedConfig;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // a runtime is already installed in this test process
  }
  pki = makeTestPki();
  tlsProxy = await startTlsProxy(inject('temporalAddress'), pki, { requireClientCert: false });
  mtlsProxy = await startTlsProxy(inject('temporalAddress'), pki, { requireClientCert: true });
  emulator = await startEmulator({ quiet: true });
  loaded = resolveAppConfig(demoAppConfig(emulator.url, TEST_POLICY), { ...DEMO_SECRETS }, 'tls test configuration');
});

afterAll(async () => {
  await tlsProxy?.close();
  await mtlsProxy?.close();
  await emulator?.close();
  if (pki) fs.rmSync(pki.dir, { recursive: true, force: true });
});

/** Runs the real workers and client with `settings` and delivers one purchase to both vendors. */
async function deliverThrough(settings: TemporalSettings): Promise<void> {
  const connection = await connectWorker(settings);
  const workers = await createRelayWorkers({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    loaded,
    dataConverter: readPayloadEncryption().dataConverter,
    ledger: await testLedger(),
    workflowBundlePath: inject('workflowBundlePath'),
  });
  const running = workers.run();
  // Encrypts like the workers: RelayClient.connect reads S2S_PAYLOAD_KEYS (the test run's key) by default.
  const client = await RelayClient.connect(settings);
  try {
    const install = iosInstall();
    registerInstall(emulator, install);
    await client.signup(install);
    const answer = await client.track({
      userId: install.userId,
      eventId: 'evt_tls_1',
      name: 'purchase',
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      revenue: '2.99',
      currency: 'EUR',
    });
    expect(answer.deliveries).toHaveLength(2);
    const status = await waitFor('both deliveries', async () => {
      const s = await client.status(install.userId);
      return s.counters.delivered === 2 ? s : undefined;
    });
    expect(status.counters.delivered).toBe(2);
    for (const d of answer.deliveries) expect(emulator.requests({ deliveryId: d.deliveryId })).toHaveLength(1);
  } finally {
    await client.close();
    await workers.shutdown();
    await running.catch(() => undefined);
    await connection.close();
  }
}

const base = () => ({ TEMPORAL_TASK_QUEUE: `tls-${randomUUID()}` });

describe('connecting through TLS', () => {
  it('server TLS: a private CA (TEMPORAL_TLS_CA) and a server name override (TEMPORAL_TLS_SERVER_NAME)', async () => {
    const before = tlsProxy.accepted;
    const settings = readTemporalSettings({
      ...base(),
      TEMPORAL_ADDRESS: tlsProxy.address,
      TEMPORAL_TLS_CA: pki.caCert,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    });
    await deliverThrough(settings);
    // Worker and client each opened their own TLS connection(s) through the proxy.
    expect(tlsProxy.accepted - before).toBeGreaterThanOrEqual(2);
  });

  it('mTLS: the worker and the client present TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY', async () => {
    const before = mtlsProxy.clients.length;
    const settings = readTemporalSettings({
      ...base(),
      TEMPORAL_ADDRESS: mtlsProxy.address,
      TEMPORAL_TLS_CA: pki.caCert,
      TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
      TEMPORAL_TLS_CERT: pki.clientCert,
      TEMPORAL_TLS_KEY: pki.clientKey,
    });
    await deliverThrough(settings);
    const seen = mtlsProxy.clients.slice(before);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen)).toEqual(new Set([CLIENT_NAME]));
  });
});

describe('refusing bad TLS settings at connect time', () => {
  const connectFails = async (env: Record<string, string>) => {
    const settings = readTemporalSettings({ ...base(), ...env });
    await expect(Connection.connect({ ...connectionOptions(settings), connectTimeout: 1_500 })).rejects.toThrow();
  };

  it('fails without the client certificate the server requires', async () => {
    const before = mtlsProxy.accepted;
    await connectFails({ TEMPORAL_ADDRESS: mtlsProxy.address, TEMPORAL_TLS_CA: pki.caCert, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME });
    expect(mtlsProxy.accepted).toBe(before);
  });

  it('fails when the server certificate does not match the server name or the CA', async () => {
    await connectFails({ TEMPORAL_ADDRESS: tlsProxy.address, TEMPORAL_TLS_CA: pki.caCert, TEMPORAL_TLS_SERVER_NAME: 'not-temporal.example' });
    await connectFails({ TEMPORAL_ADDRESS: tlsProxy.address, TEMPORAL_TLS_CA: pki.otherCaCert, TEMPORAL_TLS_SERVER_NAME: SERVER_NAME });
  });

  it('fails when TLS is off but the server speaks TLS', async () => {
    await connectFails({ TEMPORAL_ADDRESS: tlsProxy.address, TEMPORAL_TLS: 'false' });
  });
});
