// Harness for the send-activity tests: the real vendor emulator, the activities from createSendActivities
// on a real Temporal worker (run's dev server, own task queue), and the send-probe workflow that calls them
// with a short-interval retry policy. Captures the worker's log entries so tests can check what is logged.
// Payloads are encrypted with the test run's key (S2S_PAYLOAD_KEYS), as in every harness.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import type { RelayConfigInput } from '../../../domain/config';
import { dedupKey, type DeliveryItem, type Message, type SendBatchInput } from '../../../domain/delivery';
import { deliveryId } from '../../../domain/ids';
import type { Signup } from '../../../domain/contract/install';
import { createSendActivities } from '../../../activities/send';
import { startEmulator, type Emulator } from '../../../emulator/server';
import { resolveAppConfig, type LoadedConfig } from '../../../worker/app-config';
import type { SendProbeInput, SendProbeResult, sendProbe } from './send-probe-workflow';
import { decodePayloadsInPlace } from '../../../codec/history-payloads';
import { readPayloadEncryption } from '../../../codec/payload-encryption';
import type { DeliveryLedger } from '../../../activities/ledger/ledger';
import { testLedger } from '../../helpers/ledger';
import { demoConfigInput, testEnv } from './fixtures';

/**
 * Test intervals. The dev server fires activity retry timers no sooner than about 1 s, so each class gets
 * an interval well apart from the others: backoff ~1 s, device not found 1.6 s, misconfigured 2.5 s.
 */
export const RETRY = {
  initialInterval: '100ms',
  backoffCoefficient: 2,
  maximumInterval: '1s',
  misconfiguredInterval: '2500ms',
  deviceNotFoundInterval: '1600ms',
  deviceNotFoundMaxAge: '4s',
  attemptTimeout: '5s',
};
export const HTTP = { connections: 4, connectTimeout: '1s', headersTimeout: '1s', bodyTimeout: '1s' };
export const WRONG_AF_KEY = 'wrong-appsflyer-key-123';

export function relayConfig(emulatorUrl: string, retry: Partial<typeof RETRY> = {}): RelayConfigInput {
  const base = demoConfigInput(emulatorUrl) as { apps: Record<string, Record<string, unknown>> } & RelayConfigInput;
  const ios = base.apps['demo-ios'] as { adjust: { events: Record<string, unknown> } };
  ios.adjust.events.broken = { token: 'zzzzzz' };
  base.apps['wrong-key'] = { platform: 'ios', appsflyer: { appId: 'id1234567890', key: { value: WRONG_AF_KEY } } };
  return { ...base, http: HTTP, policy: { retry: { ...RETRY, ...retry } } };
}

export interface SendHarness {
  emulator: Emulator;
  client: Client;
  loaded: LoadedConfig;
  taskQueue: string;
  logs: LogEntry[];
  workflowIds: string[];
  probe(
    vendor: 'adjust' | 'appsflyer',
    batch: SendBatchInput,
    options?: Partial<Pick<SendProbeInput, 'retry' | 'scheduleToCloseMs'>>,
  ): Promise<SendProbeResult>;
  stop(): Promise<void>;
}

const logs: LogEntry[] = [];
let runtimeInstalled = false;

/** `retry`: the policy's retry settings the activities decide with (and the probe's default retry policy). */
export async function startSendHarness(options: { ledger?: DeliveryLedger; retry?: Partial<typeof RETRY> } = {}): Promise<SendHarness> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({ logger: new DefaultLogger('INFO', (entry) => logs.push(entry)) });
  }
  const emulator = await startEmulator({ quiet: true });
  const loaded = resolveAppConfig(relayConfig(emulator.url, options.retry), { ...testEnv }, 'send test');
  const send = createSendActivities(loaded, { ledger: options.ledger ?? (await testLedger()) });
  const address = inject('temporalAddress');
  const encryption = readPayloadEncryption();
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, dataConverter: encryption.dataConverter });
  const taskQueue = `send-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: nativeConnection,
    dataConverter: encryption.dataConverter,
    taskQueue,
    workflowsPath: path.join(__dirname, './send-probe-workflow.ts'),
    activities: send.activities,
  });
  const running = worker.run();
  const workflowIds: string[] = [];
  const retry = loaded.config.policy.retry;

  return {
    emulator,
    client,
    loaded,
    taskQueue,
    logs,
    workflowIds,
    async probe(vendor, batch, options = {}) {
      const workflowId = `send-probe-${randomUUID()}`;
      workflowIds.push(workflowId);
      const input: SendProbeInput = {
        vendor,
        batch,
        taskQueue,
        startToCloseMs: retry.attemptTimeout,
        retry: options.retry ?? {
          initialInterval: retry.initialInterval,
          backoffCoefficient: retry.backoffCoefficient,
          maximumInterval: retry.maximumInterval,
        },
        ...(options.scheduleToCloseMs ? { scheduleToCloseMs: options.scheduleToCloseMs } : {}),
      };
      return client.workflow.execute<typeof sendProbe>('sendProbe', { taskQueue, workflowId, args: [input], workflowExecutionTimeout: '60s' });
    },
    async stop() {
      worker.shutdown();
      await running;
      await send.close();
      await connection.close();
      await nativeConnection.close();
      await emulator.close();
    },
  };
}

/** A user with fresh device ids (so per-device state never leaks between tests); installed unless told not to. */
export function user(emulator: Emulator, platform: 'ios' | 'android', options: { installed?: boolean; overrides?: Partial<Signup> } = {}): Signup {
  const id = randomUUID();
  const ctx: Signup = {
    userId: `user_${id.slice(0, 8)}`,
    app: platform === 'ios' ? 'demo-ios' : 'demo-android',
    installedAt: new Date(Date.now() - 3_600_000).toISOString(),
    platform,
    deviceIds: platform === 'ios' ? { idfa: randomUUID().toUpperCase(), idfv: randomUUID().toUpperCase() } : { gps_adid: randomUUID() },
    appsflyerId: `${Date.now()}-${String(Math.floor(1_000_000 + Math.random() * 8_999_999))}`,
    ip: '203.0.113.77',
    osVersion: platform === 'ios' ? '17.1' : '14',
    ...(platform === 'ios' ? { attStatus: 3 } : { trackingEnabled: true }),
    ...options.overrides,
  };
  if (options.installed !== false) install(emulator, ctx);
  return ctx;
}

export function install(emulator: Emulator, ctx: Signup): void {
  emulator.registerInstall({
    appsflyerId: ctx.appsflyerId,
    deviceIds: ctx.deviceIds as Record<string, string>,
    installedAt: ctx.installedAt,
    processingDelayMs: 0,
  });
}

export interface ItemOverrides extends Partial<Pick<DeliveryItem, 'occurredAtMs' | 'sendAtMs' | 'resend' | 'firstAttemptAtMs'>> {
  /** A refund of `amount` instead of a tracked event. */
  kind?: 'track' | 'refund';
  name?: string;
  /** undefined removes revenue and currency. */
  revenue?: string | undefined;
  currency?: string | undefined;
}

/** One delivery as the workflow builds it: a purchase by default (4.99 USD, a minute ago), or a refund. */
export function sendItem(ctx: Signup, destination: 'adjust' | 'appsflyer', overrides: ItemOverrides = {}): DeliveryItem {
  const id = `${overrides.kind === 'refund' ? 'rf' : 'evt'}_${randomUUID().slice(0, 8)}`;
  const occurredAtMs = overrides.occurredAtMs ?? Date.now() - 60_000;
  const occurredAt = new Date(occurredAtMs).toISOString();
  const hasRevenue = !('revenue' in overrides) || overrides.revenue !== undefined;
  const revenue = overrides.revenue ?? '4.99';
  const currency = overrides.currency ?? 'USD';
  const message: Message =
    overrides.kind === 'refund'
      ? { kind: 'refund', refund: { userId: ctx.userId, refundId: id, purchaseEventId: 'evt_purchase', amount: revenue, currency, occurredAt } }
      : {
          kind: 'track',
          track: { userId: ctx.userId, eventId: id, name: overrides.name ?? 'purchase', occurredAt, ...(hasRevenue ? { revenue, currency } : {}) },
        };
  const { kind: _k, name: _n, revenue: _r, currency: _c, ...itemOverrides } = overrides;
  return { deliveryId: deliveryId(ctx.userId, dedupKey(message), destination), destination, message, occurredAtMs, ...itemOverrides };
}

export function batch(ctx: Signup, items: DeliveryItem[], app = ctx.app): SendBatchInput {
  return { app, user: ctx, items };
}

/** A probe's history with its payloads decrypted (fetchHistory returns them as stored: encrypted). */
export async function decryptedHistory(h: SendHarness, workflowId: string): Promise<unknown> {
  return decodePayloadsInPlace(await h.client.workflow.getHandle(workflowId).fetchHistory(), readPayloadEncryption().codec);
}

/** A history as text plus every payload decoded (fetchHistory gives payload data base64-encoded). */
export function historyText(history: unknown): string {
  const decoded: string[] = [];
  const raw = JSON.stringify(history, (key, value: unknown) => {
    if (key === 'data' && typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    return value;
  });
  return [raw, ...decoded].join('\n');
}

/** Gaps in ms between consecutive recorded requests. */
export function gaps(records: Array<{ receivedAtMs: number }>): number[] {
  return records.slice(1).map((r, i) => r.receivedAtMs - (records[i] as { receivedAtMs: number }).receivedAtMs);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` returns something truthy (or fails after `timeoutMs`). */
export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}
