// The raw ceiling: the same users and messages sent straight to the emulator with undici (the relay's own
// request builders and pooled sender, no Temporal), with the same concurrency as the relay run. Each
// user's messages go in order, each message to both vendors at once, as the two lanes would.
import type { DeliveryItem, Destination, Message } from '../domain/delivery';
import type { Signup } from '../domain/contract/install';
import type { Emulator } from '../emulator/server';
import { buildAdjustRequest } from '../domain/vendors/adjust';
import { buildAppsflyerEventRequest } from '../domain/vendors/appsflyer';
import { VendorHttp } from '../activities/http';
import { resolveAppConfig } from '../worker/app-config';
import type { RelayConfigInput } from '../domain/config';
import { Driver, type DriveOptions } from './driver';
import { ProcSampler } from './proc-sampler';
import { Progress } from './progress';
import type { PhaseResult } from './relay-phase';
import { DEMO_SECRETS } from './stack';
import { ratePerSecond, summarize } from './stats';
import { benchUser, deliveryIdsFor, distinctMessages, planUserMessages, rngFor, type MixOptions, type PlannedGroup } from './workload';

export interface RawPhaseSpec {
  runId: string;
  users: number;
  eventsPerUser: number;
  mix: MixOptions;
  seed: number;
  drive: DriveOptions;
  appConfig: RelayConfigInput;
}

export async function runRawPhase(emulator: Emulator, spec: RawPhaseSpec): Promise<PhaseResult> {
  const loaded = resolveAppConfig(spec.appConfig, { ...DEMO_SECRETS }, 'bench raw ceiling');
  const http = new VendorHttp(loaded.config.http);
  const rng = rngFor(spec.seed);
  const installedAtMs = Date.now() - 2 * 3_600_000;
  const users: Signup[] = Array.from({ length: spec.users }, (_, i) => benchUser(rng, `${spec.runId}-raw-u${i}`, installedAtMs));
  const plans: PlannedGroup[][] = users.map((u) => planUserMessages(rng, u.userId, spec.eventsPerUser, spec.mix));
  for (const u of users)
    emulator.registerInstall({
      deviceIds: u.deviceIds as Record<string, string>,
      appsflyerId: u.appsflyerId,
      installedAt: u.installedAt,
      processingDelayMs: 0,
    });
  const events = plans.reduce((n, p) => n + distinctMessages(p).length, 0);

  const latencies: number[] = [];
  let accepted = 0;
  let failed = 0;
  const progress = new Progress('raw', events * 2, 'requests');
  const send = async (user: Signup, item: DeliveryItem): Promise<void> => {
    const app = loaded.config.apps[user.app];
    if (!app) throw new Error(`no app ${user.app}`);
    const request =
      item.destination === 'adjust'
        ? buildAdjustRequest(item, user, app, loaded.config.vendors, loaded.secrets.adjust[user.app])
        : buildAppsflyerEventRequest(item, user, app, loaded.config.vendors, loaded.secrets.appsflyer[user.app] as string);
    const started = Date.now();
    const outcome = await http.send(request);
    if (outcome.kind === 'response' && outcome.status === 200) accepted += 1;
    else failed += 1;
    latencies.push(Date.now() - started);
    progress.update(accepted + failed);
  };
  const sampler = new ProcSampler(() => process.pid).start();
  const driver = new Driver(
    plans,
    (g) => g.length,
    async (u, group) => {
      const user = users[u] as Signup;
      for (const m of group) {
        if (m.kind === 'duplicate' || m.kind === 'bad') continue;
        const ids = deliveryIdsFor(user.userId, m);
        const occurredAtMs = Date.now();
        const occurredAt = new Date(occurredAtMs).toISOString();
        const message: Message =
          m.kind === 'event'
            ? { kind: 'track', track: { userId: user.userId, eventId: m.id, name: 'purchase', occurredAt, revenue: m.revenue, currency: 'USD' } }
            : { kind: 'refund', refund: { userId: user.userId, refundId: m.id, purchaseEventId: m.purchaseId, amount: m.amount, currency: 'USD', occurredAt } };
        const item = (destination: Destination): DeliveryItem => ({ deliveryId: ids[destination], destination, message, occurredAtMs });
        await Promise.all([send(user, item('adjust')), send(user, item('appsflyer'))]);
      }
    },
    spec.drive,
  );
  const drive = await driver.run();
  progress.done(failed > 0 ? `raw: ${failed} requests not accepted` : '');
  const usage = sampler.stop();
  await http.close();
  return {
    name: 'raw',
    taskQueue: '',
    users: spec.users,
    events,
    deliveries: events * 2,
    startedAtMs: drive.startedAtMs,
    endedAtMs: drive.endedAtMs,
    drive: {
      mode: spec.drive.mode,
      ...(spec.drive.mode === 'closed' ? { concurrency: spec.drive.concurrency } : { ratePerSecond: spec.drive.ratePerSecond as number }),
      sendMs: drive.endedAtMs - drive.startedAtMs,
      retries: drive.retries,
    },
    eventsPerSecond: ratePerSecond(events, drive.startedAtMs, drive.endedAtMs),
    deliveriesPerSecond: ratePerSecond(accepted, drive.startedAtMs, drive.endedAtMs),
    latencyMs: summarize(latencies),
    worker: usage,
    harnessCpuSeconds: usage.cpuSeconds,
  };
}
