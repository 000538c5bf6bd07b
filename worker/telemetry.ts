// The Temporal runtime's telemetry for the worker process: the structured logger, and a Prometheus
// endpoint (S2S_METRICS_PORT) serving the SDK's worker metrics and s2s-relay's own counters and
// histograms (domain/metrics.ts) side by side. Runtime.install may run once per process.
import type { Logger } from '@temporalio/common';
import type { RuntimeOptions } from '@temporalio/worker';
import { histogramBuckets } from '../domain/metrics';
import type { WorkerEnv } from './config';

type TelemetryEnv = Pick<WorkerEnv, 'S2S_METRICS_PORT' | 'S2S_METRICS_HOST'>;

/** `host:port` the Prometheus exporter binds, or undefined when metrics are off. */
export function metricsBindAddress(env: TelemetryEnv): string | undefined {
  if (!env.S2S_METRICS_PORT) return undefined;
  return `${env.S2S_METRICS_HOST}:${env.S2S_METRICS_PORT}`;
}

/** Options for Runtime.install: our logger, no SDK signal handling (the caller drains), Prometheus if asked. */
export function runtimeOptions(env: TelemetryEnv, logger: Logger): RuntimeOptions {
  const bindAddress = metricsBindAddress(env);
  return {
    logger,
    shutdownSignals: [],
    ...(bindAddress
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: { bindAddress, histogramBucketOverrides: histogramBuckets() },
            },
          },
        }
      : {}),
  };
}

/** The URL operators scrape, for the startup log line. */
export function metricsUrl(env: TelemetryEnv): string | undefined {
  const bind = metricsBindAddress(env);
  if (!bind) return undefined;
  const host = env.S2S_METRICS_HOST === '0.0.0.0' || env.S2S_METRICS_HOST === '[::]' ? 'localhost' : env.S2S_METRICS_HOST;
  return `http://${host}:${env.S2S_METRICS_PORT}/metrics`;
}
