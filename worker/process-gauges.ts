// The worker process's memory as a Prometheus gauge (s2s_process_memory_bytes{memory=...}), sampled every few
// seconds on the runtime's meter: the Temporal SDK exports no process metrics of its own.
import type { MetricMeter } from '@temporalio/common';
import { METRICS } from '../domain/metrics';

/** Samples process.memoryUsage() now and every `intervalMs`; returns a function that stops it. */
export function startMemoryGauge(meter: MetricMeter, intervalMs = 5_000): () => void {
  const m = METRICS.processMemory;
  let gauge: ReturnType<MetricMeter['createGauge']>;
  try {
    gauge = meter.createGauge(m.name, 'int', m.unit, m.help);
  } catch {
    return () => undefined; // metrics must never stop the worker
  }
  const sample = () => {
    try {
      const usage = process.memoryUsage();
      gauge.set(usage.rss, { memory: 'rss' });
      gauge.set(usage.heapUsed, { memory: 'heap_used' });
      gauge.set(usage.heapTotal, { memory: 'heap_total' });
      gauge.set(usage.external, { memory: 'external' });
    } catch {
      // as above
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
