import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { LatticeConfig, ServiceRole } from '../config/config';
import { defineModule, type InfrastructureModule } from '../lifecycle';

/** Tracing as one process runs it: on (a provider is registered and exports) or off (nothing registered). */
export interface RunningTracing {
  readonly enabled: boolean;
  /** Exports every span ended so far, now rather than at the batch's next tick. */
  flush(): Promise<void>;
  /** Exports what is still buffered and unregisters the provider; later spans are no-ops. Safe to call twice. */
  stop(): Promise<void>;
}

const OFF: RunningTracing = { enabled: false, flush: async () => undefined, stop: async () => undefined };

/**
 * Where OTLP/HTTP traces go for OTEL_EXPORTER_OTLP_ENDPOINT: the spec makes that variable a base URL to which the
 * signal's path is appended (`/v1/traces`), unlike OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, which is used as is.
 */
export function tracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}

/** `lattice-<role>` unless OTEL_SERVICE_NAME names the service. */
export function tracedServiceName(config: LatticeConfig, role: ServiceRole = config.role): string {
  return config.tracing.serviceName ?? `lattice-${role}`;
}

/**
 * Registers the process's tracer provider when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans batched and sent as
 * OTLP/HTTP JSON, W3C trace context, and the SDK's AsyncLocalStorage context manager (NodeTracerProvider's default),
 * so a span started in a request stays current across its awaits. Unset, nothing is registered and every span
 * Lattice or @apollo/gateway asks for is the API's no-op. The batch processor's delay and sizes follow the standard
 * OTEL_BSP_* variables, which the SDK reads itself. `exporter` is for tests only.
 */
export function startTracing(config: LatticeConfig, role: ServiceRole = config.role, exporter?: SpanExporter): RunningTracing {
  const endpoint = config.tracing.otlpEndpoint;
  if (endpoint === undefined) return OFF;
  const provider = new NodeTracerProvider({
    // Ours is merged last, so it wins over the SDK's `unknown_service` default.
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': tracedServiceName(config, role) })),
    spanProcessors: [new BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: tracesUrl(endpoint) }))],
  });
  // Only W3C trace context crosses process boundaries; baggage would forward whatever a caller put in it.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  let stopping: Promise<void> | null = null;
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    stop: () =>
      (stopping ??= provider
        .shutdown()
        .catch(() => undefined)
        .finally(() => {
          trace.disable();
          propagation.disable();
          context.disable();
        })),
  };
}

export const TRACING_MODULE = 'tracing';

/**
 * The running tracing as a lifecycle module. Listed before a process's own modules, it stops after all of them, so
 * the spans of whatever they finish while stopping (a drained request, the audit consumer's last batch) are exported.
 */
export function tracingModule(tracing: RunningTracing): InfrastructureModule<RunningTracing> {
  return defineModule<RunningTracing>({
    name: TRACING_MODULE,
    runtime: { start: () => tracing, stop: (running) => running.stop() },
  });
}
