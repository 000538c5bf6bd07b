// What payload encryption costs (`npm run bench -- --codec`): the same workload run with and without the
// codec in one bench run, in A-B-B-A order (plain, encrypted, encrypted, plain) so a drift of the shared
// machine's load weighs on both sides alike, and the cost per event on each side: throughput, the worker
// process's CPU per event, and history bytes per event; and the codec alone, in CPU time per payload, which
// a loaded machine hardly changes. The comparison is pure: phase results in, the comparison out.
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../codec/aes-gcm-codec';
import { readPayloadKeys } from '../codec/payload-keys';
import type { PhaseHistories } from './histories';
import type { PhaseResult } from './relay-phase';
import { round } from './stats';

export interface MeasuredPhase {
  result: PhaseResult;
  histories: PhaseHistories;
}

export interface CodecSide {
  phases: string[];
  events: number;
  /** Mean of the phases' delivered events per second. */
  events_per_s: number;
  /** Worker CPU (user + system, process tree) per delivered event, over all of this side's phases. */
  worker_cpu_ms_per_event: number;
  history_bytes_per_event: number;
}

/** The codec alone: CPU microseconds to encrypt and to decrypt one payload of a typical size. */
export interface CodecAlone {
  payload_bytes: number;
  encrypt_us: number;
  decrypt_us: number;
  /** Encrypted payloads per delivered event in the encrypted phases' histories. */
  stored_payloads_per_event?: number;
}

export interface CodecComparison {
  alone?: CodecAlone;
  plain: CodecSide;
  encrypted: CodecSide;
  /** encrypted ÷ plain: above 1 costs more (CPU, bytes), below 1 is slower (events/s). */
  ratio: { events_per_s: number; worker_cpu_ms_per_event: number; history_bytes_per_event: number };
  /** encrypted − plain, per event. */
  extra_worker_cpu_ms_per_event: number;
}

function side(phases: MeasuredPhase[]): CodecSide {
  const events = phases.reduce((n, p) => n + p.result.events, 0);
  const cpuMs = phases.reduce((n, p) => n + p.result.worker.cpuSeconds * 1000, 0);
  const bytes = phases.reduce((n, p) => n + p.histories.historyBytes, 0);
  return {
    phases: phases.map((p) => p.result.name),
    events,
    events_per_s: round(phases.reduce((n, p) => n + p.result.eventsPerSecond, 0) / Math.max(1, phases.length)),
    worker_cpu_ms_per_event: round(cpuMs / Math.max(1, events)),
    history_bytes_per_event: Math.round(bytes / Math.max(1, events)),
  };
}

/**
 * Encrypts and decrypts `rounds` copies of a payload like a send activity's input (a user's install context and
 * a batch of deliveries, about 1 KB), timed in this process's CPU time.
 */
export async function measureCodecAlone(rounds = 20_000): Promise<CodecAlone> {
  const codec = new AesGcmPayloadCodec(readPayloadKeys({ S2S_PAYLOAD_KEYS: `bench:${randomBytes(32).toString('base64')}` }));
  const user = {
    userId: 'user_1042',
    app: 'demo-ios',
    platform: 'ios',
    installedAt: '2026-11-22T09:00:00.000Z',
    deviceIds: { idfa: 'D2CADB5F-410F-4963-AC0C-2A78534BDF1E', idfv: '0E4F854C-615D-4695-87CB-67BF9EF2DE85' },
    appsflyerId: '1700000000000-1234567',
    ip: '198.51.100.23',
    osVersion: '17.1',
    attStatus: 3,
  };
  const items = Array.from({ length: 4 }, (_, i) => ({
    deliveryId: `dlv_adj_${'0'.repeat(24)}${i}`,
    destination: 'adjust',
    kind: 'event',
    sourceId: `evt_${i}`,
    name: 'purchase',
    occurredAtMs: 1_764_000_000_000 + i,
    revenue: '4.99',
    currency: 'USD',
  }));
  const payload = defaultPayloadConverter.toPayload({ app: 'demo-ios', user, items });
  const payloads = Array.from({ length: rounds }, () => payload);
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  await codec.decode(await codec.encode(payloads.slice(0, 1000))); // warm up
  const t0 = cpu();
  const encrypted = await codec.encode(payloads);
  const t1 = cpu();
  await codec.decode(encrypted);
  const t2 = cpu();
  return { payload_bytes: payload.data?.length ?? 0, encrypt_us: round((t1 - t0) / rounds), decrypt_us: round((t2 - t1) / rounds) };
}

export function codecComparison(plain: MeasuredPhase[], encrypted: MeasuredPhase[], alone?: CodecAlone): CodecComparison {
  const a = side(plain);
  const b = side(encrypted);
  const ratio = (x: number, y: number) => (y > 0 ? round(x / y) : 0);
  const storedPayloads = encrypted.reduce((n, p) => n + (p.histories.encryptedPayloads ?? 0), 0);
  return {
    ...(alone ? { alone: { ...alone, stored_payloads_per_event: round(storedPayloads / Math.max(1, b.events)) } } : {}),
    plain: a,
    encrypted: b,
    ratio: {
      events_per_s: ratio(b.events_per_s, a.events_per_s),
      worker_cpu_ms_per_event: ratio(b.worker_cpu_ms_per_event, a.worker_cpu_ms_per_event),
      history_bytes_per_event: ratio(b.history_bytes_per_event, a.history_bytes_per_event),
    },
    extra_worker_cpu_ms_per_event: round(b.worker_cpu_ms_per_event - a.worker_cpu_ms_per_event),
  };
}

export function codecText(c: CodecComparison): string[] {
  const line = (name: string, s: CodecSide) =>
    `  ${name.padEnd(10)} ${String(s.events).padStart(7)} ev  ${String(s.events_per_s).padStart(8)} ev/s  worker ${String(s.worker_cpu_ms_per_event).padStart(6)} CPU ms/ev  ${String(s.history_bytes_per_event).padStart(6)} history bytes/ev  (${s.phases.join(', ')})`;
  return [
    'payload encryption (A-B-B-A, same workload):',
    ...(c.alone
      ? [
          `  codec alone: ${c.alone.encrypt_us} µs CPU to encrypt, ${c.alone.decrypt_us} µs to decrypt a ${c.alone.payload_bytes}-byte payload; ${c.alone.stored_payloads_per_event ?? '?'} encrypted payloads per event in the histories`,
        ]
      : []),
    line('plain', c.plain),
    line('encrypted', c.encrypted),
    `  encrypted/plain: events/s x${c.ratio.events_per_s}, worker CPU/event x${c.ratio.worker_cpu_ms_per_event} (${c.extra_worker_cpu_ms_per_event >= 0 ? '+' : ''}${c.extra_worker_cpu_ms_per_event} ms), history bytes/event x${c.ratio.history_bytes_per_event}`,
  ];
}
