import { context, defaultTextMapGetter, ROOT_CONTEXT, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Lattice's own spans come from this tracer; without a registered provider it is the API's no-op. */
export function latticeTracer(): Tracer {
  return trace.getTracer('lattice');
}

/** Our own instance, so carrying a context in an event envelope does not depend on which global propagator is set. */
const W3C = new W3CTraceContextPropagator();

/**
 * The W3C `traceparent` of the span current here (version 00), or null outside a trace (always, with tracing off).
 * Events carry it so the code consuming them continues the trace of the request that wrote them.
 */
export function activeTraceparent(): string | null {
  const span = trace.getSpan(context.active());
  if (!span) return null;
  const carrier: Record<string, string> = {};
  W3C.inject(context.active(), carrier, { set: (target: Record<string, string>, key, value) => void (target[key] = value) });
  return carrier.traceparent ?? null;
}

/** The remote context a `traceparent` names (the root context when it is absent or malformed, so a bad one starts a new trace). */
export function contextOfTraceparent(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return W3C.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
}
