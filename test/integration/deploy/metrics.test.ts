// Observability end to end: this test process installs the worker runtime exactly as worker/run.ts does
// (Prometheus on S2S_METRICS_PORT, the structured JSON logger), runs the real relay, delivers, and then
// scrapes /metrics for the SDK's metrics and s2s-relay's own (activity interceptor and workflow side), and
// reads the log lines for the delivery id, user hash and vendor on every send-activity line, no task token,
// and the stack of a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, noopMetricMeter } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { SendBatchInput } from '../../../domain/delivery';
import { SendFailureType } from '../../../domain/errors';
import { deliveryId, userHash } from '../../../domain/ids';
import { METRICS } from '../../../domain/metrics';
import { failureClass, relayActivityInterceptors } from '../../../worker/activity-interceptors';
import { baselineSeries } from '../../../worker/metric-baseline';
import { StructuredLogger } from '../../../worker/logger';
import { freePort } from '../../../worker/net';
import { runtimeOptions } from '../../../worker/telemetry';
import { countDeadLetter, countOutcome, recordGateWait } from '../../../workflows/metrics';
import { startRelay, waitFor, type RelayHarness } from '../../helpers/relay';
import { iosInstall, registerInstall } from '../../helpers/users';

const logLines: Array<Record<string, unknown>> = [];
let metricsUrl: string;
let relay: RelayHarness;
let userIdOfTest = '(not set yet)';
let beforeTraffic: Sample[] = [];

beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const logger = new StructuredLogger('DEBUG', 'json', (line) => logLines.push(JSON.parse(line) as Record<string, unknown>));
  // Installed before startRelay(), whose own quiet runtime then finds this one in place.
  Runtime.install(runtimeOptions({ S2S_METRICS_PORT: port, S2S_METRICS_HOST: '127.0.0.1' }, logger));
  relay = await startRelay();
  beforeTraffic = await scrape();
});
afterAll(async () => {
  await relay?.stop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

async function scrape(): Promise<Sample[]> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  const samples: Sample[] = [];
  for (const line of (await response.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

/** The sample of `name` whose labels are exactly `labels` (as the exporter writes them). */
function series(samples: Sample[], name: string, labels: Record<string, string | number | boolean>): Sample | undefined {
  const want = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
  return samples.find(
    (s) => s.name === name && Object.keys(s.labels).length === Object.keys(want).length && Object.entries(want).every(([k, v]) => s.labels[k] === v),
  );
}

describe('the zero baseline of the relay counters', () => {
  it('exports every counter at 0 before any traffic, with the label sets the alert rules use', () => {
    const expected = baselineSeries('default', relay.taskQueue);
    expect(expected.length).toBeGreaterThan(40);
    for (const metric of [METRICS.deadLetters, METRICS.deliveryOutcomes, METRICS.sendFailures, METRICS.sendResults])
      expect(expected.some((e) => e.metric === metric)).toBe(true);
    for (const { metric, tags } of expected) expect(series(beforeTraffic, metric.name, tags)?.value, `${metric.name} ${JSON.stringify(tags)}`).toBe(0);
    // Misconfiguration and dead letters, the two first-occurrence alerts, are among them.
    expect(
      series(beforeTraffic, METRICS.sendFailures.name, {
        namespace: 'default',
        taskQueue: `${relay.taskQueue}-adjust`,
        activityType: 'sendToAdjust',
        vendor: 'adjust',
        failure_type: 'S2SMisconfigured',
        retryable: true,
      })?.value,
    ).toBe(0);
    expect(
      series(beforeTraffic, METRICS.deadLetters.name, { namespace: 'default', taskQueue: relay.taskQueue, workflowType: 'userWorkflow', destination: 'none' })
        ?.value,
    ).toBe(0);
  });
});

describe('Prometheus metrics', () => {
  let samples: Sample[];

  beforeAll(async () => {
    // One clean purchase, one retried once (Adjust 5xx), and a trial event whose Adjust token the emulator does not
    // know (Adjust answers Invalid event token: dead-lettered by the workflow; AppsFlyer takes it).
    const install = iosInstall({ installedAt: daysAgo(20) });
    userIdOfTest = install.userId;
    registerInstall(relay.emulator, install);
    await relay.client.signup(install);
    await relay.client.track({ userId: install.userId, eventId: 'evt_m_1', name: 'purchase', occurredAt: daysAgo(0.01), revenue: '4.99', currency: 'USD' });
    await waitFor('first purchase delivered', async () => ((await relay.client.status(install.userId)).counters.delivered === 2 ? true : undefined));
    relay.emulator.setFaults({ adjust: { error5xx: 1, count: 1 } });
    await relay.client.track({ userId: install.userId, eventId: 'evt_m_2', name: 'purchase', occurredAt: daysAgo(0.005), revenue: '1.99', currency: 'USD' });
    await waitFor('second purchase delivered', async () => ((await relay.client.status(install.userId)).counters.delivered === 4 ? true : undefined));
    relay.emulator.updateConfig({ adjustApps: [{ appToken: '4w565xzmb54d', eventTokens: { tr1al1: null } }] });
    await relay.client.track({ userId: install.userId, eventId: 'evt_m_trial', name: 'trial', occurredAt: daysAgo(0.001) });
    await waitFor('trial settled', async () => {
      const s = await relay.client.status(install.userId);
      return s.counters.delivered === 5 && s.counters.deadLettered === 1 ? true : undefined;
    });
    // Workflow metrics travel through a sink; give the exporter a moment to see the last ones.
    samples = await waitFor('workflow dead-letter metric', async () => {
      const s = await scrape();
      return total(s, METRICS.deadLetters.name, { destination: 'adjust' }) >= 1 ? s : undefined;
    });
  });

  it('serves the SDK worker metrics', () => {
    expect(samples.some((s) => s.name.startsWith('temporal_'))).toBe(true);
    expect(total(samples, 'temporal_activity_execution_latency_count', { activity_type: 'sendToAdjust' })).toBeGreaterThanOrEqual(1);
  });

  it('counts send results by vendor and result, with request latency', () => {
    expect(total(samples, METRICS.sendResults.name, { vendor: 'adjust', result: 'delivered' })).toBe(2);
    expect(total(samples, METRICS.sendResults.name, { vendor: 'appsflyer', result: 'delivered' })).toBe(3);
    expect(total(samples, `${METRICS.sendLatency.name}_count`, { vendor: 'appsflyer' })).toBe(3);
    expect(total(samples, `${METRICS.sendAttemptDuration.name}_count`, { vendor: 'adjust', result: 'ok' })).toBe(2);
  });

  it('counts failed attempts by retry class', () => {
    expect(total(samples, METRICS.sendFailures.name, { vendor: 'adjust', failure_type: 'S2STransient', retryable: 'true' })).toBe(1);
    expect(total(samples, METRICS.sendResults.name, { vendor: 'adjust', result: 'S2STransient' })).toBe(1);
    expect(total(samples, METRICS.sendFailures.name, { vendor: 'adjust', failure_type: 'S2SRejected', retryable: 'false' })).toBe(1);
    expect(total(samples, `${METRICS.sendAttemptDuration.name}_count`, { vendor: 'adjust', result: 'failed' })).toBe(2);
  });

  it('counts on the very series the baseline exported at 0 (same labels), so increase() sees 0 -> 1', () => {
    // The trial's Adjust delivery is the dead letter (Adjust does not know its token).
    const deadLetter = { namespace: 'default', taskQueue: relay.taskQueue, workflowType: 'userWorkflow', destination: 'adjust' };
    expect(series(beforeTraffic, METRICS.deadLetters.name, deadLetter)?.value).toBe(0);
    expect(series(samples, METRICS.deadLetters.name, deadLetter)?.value).toBe(1);

    // The transient failure was Adjust's part of the combined first attempt: counted on the workflows' task queue.
    const transient = {
      namespace: 'default',
      taskQueue: relay.taskQueue,
      activityType: 'sendFirstAttempts',
      vendor: 'adjust',
      failure_type: 'S2STransient',
      retryable: true,
    };
    expect(series(beforeTraffic, METRICS.sendFailures.name, transient)?.value).toBe(0);
    expect(series(samples, METRICS.sendFailures.name, transient)?.value).toBe(1);
  });

  it('counts final outcomes and dead letters decided by the workflow', () => {
    expect(total(samples, METRICS.deliveryOutcomes.name, { destination: 'adjust', outcome: 'delivered' })).toBe(2);
    expect(total(samples, METRICS.deliveryOutcomes.name, { destination: 'appsflyer', outcome: 'delivered' })).toBe(3);
    expect(total(samples, METRICS.deliveryOutcomes.name, { destination: 'adjust', outcome: 'dead-lettered' })).toBe(1);
    expect(total(samples, METRICS.deadLetters.name, { destination: 'adjust' })).toBe(1);
    expect(total(samples, `${METRICS.deliveryLatency.name}_count`, { destination: 'adjust', outcome: 'delivered' })).toBe(2);
    // Histograms use the buckets from domain/metrics.ts.
    const le = samples.filter((s) => s.name === `${METRICS.deliveryLatency.name}_bucket`).map((s) => s.labels.le);
    expect(le).toContain('3600000');
  });

  it('records the gate wait of every delivery', () => {
    expect(total(samples, `${METRICS.gateWait.name}_count`, { destination: 'adjust' })).toBe(3);
    expect(total(samples, `${METRICS.gateWait.name}_count`, { destination: 'appsflyer' })).toBe(3);
  });
});

describe('structured logs of the send activities', () => {
  it("carry delivery id, user hash and vendor on every line, the SDK's own lines included", () => {
    const activityLines = logLines.filter((l) => l.sdkComponent === 'activity' || l.activityType === 'sendToAdjust' || l.activityType === 'sendToAppsflyer');
    const sdkLines = activityLines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('Activity '));
    expect(sdkLines.length).toBeGreaterThan(0);
    for (const line of activityLines.filter((l) => l.activityType !== 'loadSettings')) {
      expect(line.userHash, JSON.stringify(line)).toMatch(/^u_[0-9a-f]{16}$/);
      expect(['adjust', 'appsflyer']).toContain(line.vendor);
      expect(line.userId, 'raw user ids stay out of logs while policy.showDeviceIds is off').toBeUndefined();
      expect(line.workflowId, 'the workflow id holds the raw user id').toBeUndefined();
      expect(JSON.stringify(line)).not.toContain(userIdOfTest);
      // "Activity started" is logged by the SDK before any interceptor sees the input; every other line has the id.
      if (line.msg !== 'Activity started') expect(line.deliveryId, JSON.stringify(line)).toMatch(/^dlv_(adj|af)_[0-9a-f]{16}$/);
    }
    expect(sdkLines.filter((l) => l.msg === 'Activity completed').every((l) => typeof l.deliveryId === 'string')).toBe(true);
    // The failed first attempts were parts of combined activities (which completed): each is logged with its
    // vendor, delivery id and the vendor's answer, the transient one as retried by the send activity.
    const combined = logLines.filter((l) => l.activityType === 'sendFirstAttempts');
    expect(combined.some((l) => l.msg === 'Activity completed' && Array.isArray(l.deliveryIds))).toBe(true);
    const failed = combined.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('Send attempt failed'));
    expect(failed.map((l) => [l.msg, l.vendor, (l.failure as { type?: string }).type, (l.failure as { status?: number }).status])).toEqual([
      ['Send attempt failed (the send activity retries it)', 'adjust', 'S2STransient', 500],
      ['Send attempt failed (final)', 'adjust', 'S2SRejected', 400],
    ]);
    for (const line of failed) {
      expect(line.deliveryId).toMatch(/^dlv_adj_[0-9a-f]{16}$/);
      expect(line.userHash).toMatch(/^u_[0-9a-f]{16}$/);
      expect(line.level).toBe('warn');
      expect(JSON.stringify(line)).not.toContain(userIdOfTest);
    }
  });

  it('never carry the activity task token (it embeds the raw workflow id), on any activity line', () => {
    // The SDK puts `taskToken` on every activity line, send activities and the others (loadSettings) alike.
    const activityLines = logLines.filter((l) => typeof l.activityType === 'string');
    expect(activityLines.some((l) => l.activityType === 'loadSettings') && activityLines.some((l) => l.activityType === 'sendToAdjust')).toBe(true);
    for (const line of logLines) expect(line, JSON.stringify(line)).not.toHaveProperty('taskToken');
  });

  it('is one JSON object per line with time and level', () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines.slice(0, 50)) {
      expect(typeof line.time).toBe('string');
      expect(['trace', 'debug', 'info', 'warn', 'error']).toContain(line.level);
    }
  });
});

describe('workflow metric helpers outside a workflow', () => {
  it('are no-ops', () => {
    expect(() => countOutcome('adjust', 'delivered', 10)).not.toThrow();
    expect(() => countDeadLetter('none')).not.toThrow();
    expect(() => recordGateWait('appsflyer', [], 0)).not.toThrow();
    expect(deliveryId('u', 'event:e', 'adjust')).toMatch(/^dlv_adj_/);
    expect(userHash('u')).toMatch(/^u_/);
  });
});

describe('the activity interceptor, unit', () => {
  const ctx = (activityType: string) =>
    ({ info: { activityType, workflowExecution: { workflowId: 's2s-user-alice', runId: 'r' } }, metricMeter: noopMetricMeter }) as unknown as Context;
  const batch = { app: 'demo-ios', user: { userId: 'alice' }, items: [{ deliveryId: 'dlv_adj_1' }, { deliveryId: 'dlv_adj_2' }] } as unknown as SendBatchInput;

  it('adds ids to the log attributes; the raw user id and workflow id only with showDeviceIds', async () => {
    for (const showUserIds of [false, true]) {
      const { inbound, outbound } = relayActivityInterceptors({ showUserIds })(ctx('sendToAdjust'));
      const attrs = () => outbound?.getLogAttributes?.({ workflowId: 's2s-user-alice', taskToken: 'Cgdk', attempt: 1 }, (a) => a) ?? {};
      expect(attrs()).toMatchObject({ vendor: 'adjust', userHash: userHash('alice') });
      await inbound?.execute?.({ args: [batch], headers: {} }, async () => ({ receipts: [] }));
      expect(attrs()).toMatchObject({
        vendor: 'adjust',
        app: 'demo-ios',
        deliveryId: 'dlv_adj_1',
        deliveryIds: ['dlv_adj_1', 'dlv_adj_2'],
        userHash: userHash('alice'),
        attempt: 1,
      });
      expect(attrs().userId).toBe(showUserIds ? 'alice' : undefined);
      expect(attrs().workflowId).toBe(showUserIds ? 's2s-user-alice' : undefined);
      expect(attrs()).not.toHaveProperty('taskToken');
    }
  });

  it('leaves other activities alone and passes results and failures through', async () => {
    // Other activities only lose the task token from their log attributes.
    const other = relayActivityInterceptors({ showUserIds: false })(ctx('loadSettings'));
    expect(other.inbound).toBeUndefined();
    expect(other.outbound?.getLogAttributes?.({ taskToken: 'Cgdk', activityType: 'loadSettings', attempt: 1 }, (a) => a)).toEqual({
      activityType: 'loadSettings',
      attempt: 1,
    });
    const { inbound } = relayActivityInterceptors({ showUserIds: false })(ctx('sendToAppsflyer'));
    const failure = ApplicationFailure.create({ message: 'no', type: SendFailureType.rejected, nonRetryable: true });
    await expect(inbound?.execute?.({ args: [batch], headers: {} }, async () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(inbound?.execute?.({ args: [batch], headers: {} }, async () => ({ receipts: [], stoppedAt: 0 }))).resolves.toEqual({
      receipts: [],
      stoppedAt: 0,
    });
  });

  it('names the retry class of a failure', () => {
    expect(failureClass(ApplicationFailure.create({ message: 'x', type: SendFailureType.transient }))).toEqual({ type: 'S2STransient', retryable: true });
    expect(failureClass(ApplicationFailure.create({ message: 'x', type: SendFailureType.rejected, nonRetryable: true }))).toEqual({
      type: 'S2SRejected',
      retryable: false,
    });
    // Non-retryable by the workflow's retry policy even when the failure itself does not say so.
    expect(failureClass(ApplicationFailure.create({ message: 'x', type: SendFailureType.optedOut }))).toEqual({ type: 'S2SOptedOut', retryable: false });
    expect(failureClass(new CancelledFailure('stop'))).toEqual({ type: 'cancelled', retryable: true });
    expect(failureClass(new Error('boom'))).toEqual({ type: 'unexpected', retryable: true });
  });
});
