import { context, createContextKey, SpanStatusCode, trace, type Context, type Span, type SpanOptions } from '@opentelemetry/api';
import { latticeTracer } from './trace-context';

/**
 * Runs `work` inside a new span (current for everything it awaits) and ends the span when it settles: a throw is
 * recorded on the span, which gets status ERROR, and rethrown. Without a registered provider the span is a no-op.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>, parent: Context = context.active()): Promise<T> {
  const span = latticeTracer().startSpan(name, options, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Records `error` on `span` and sets its status to ERROR with the error's message. */
export function markFailed(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

const SUBGRAPH = createContextKey('lattice.subgraph');

/** The context of a request a subgraph serves, naming the subgraph, so its resolvers' spans can say whose they are. */
export function withSubgraphName(parent: Context, subgraph: string): Context {
  return parent.setValue(SUBGRAPH, subgraph);
}

/** The subgraph serving the current request, when a subgraph server set it (null elsewhere, and with tracing off). */
export function currentSubgraph(): string | null {
  const value = context.active().getValue(SUBGRAPH);
  return typeof value === 'string' ? value : null;
}
