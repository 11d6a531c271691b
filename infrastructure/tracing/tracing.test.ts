import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { parseConfig } from '../config/config';
import { startTracing, tracesUrl } from './tracing';

/*
 * The exporter is given here: OTLPTraceExporter loads node:http through a dynamic import(), which Jest's VM cannot
 * run, so spans really sent as OTLP/JSON to an endpoint are checked end to end (test/e2e/tracing.e2e.test.ts).
 */
const configWith = (env: Record<string, string>) => parseConfig(env, 'platform');
const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

/** Keeps what it was sent through shutdown (the SDK's InMemorySpanExporter forgets it there, where stop() flushes). */
class KeptSpans implements SpanExporter {
  spans: ReadableSpan[] = [];
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
  getFinishedSpans(): ReadableSpan[] {
    return this.spans;
  }
}

describe('startTracing', () => {
  let exporter: KeptSpans;
  beforeEach(() => {
    exporter = new KeptSpans();
  });

  it('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT, keeping any path it has', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otel.example.test/ingest')).toBe('https://otel.example.test/ingest/v1/traces');
  });

  it('registers nothing without OTEL_EXPORTER_OTLP_ENDPOINT: every span is a no-op', async () => {
    const tracing = startTracing(configWith({}), 'identity', exporter);
    expect(tracing.enabled).toBe(false);
    const span = trace.getTracer('test').startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
    span.end();
    await tracing.stop();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('names the service lattice-<role>, and stop() exports what the batch still holds', async () => {
    const tracing = startTracing(configWith(ENDPOINT), 'identity', exporter);
    expect(tracing.enabled).toBe(true);
    trace.getTracer('test').startSpan('work').end();
    // The batch's default delay is 5 s: only stop() can have exported it this soon.
    await tracing.stop();
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('work');
    expect(span?.resource.attributes['service.name']).toBe('lattice-identity');
    // Unregistered afterwards: the next span is a no-op again.
    expect(trace.getTracer('test').startSpan('after').isRecording()).toBe(false);
  });

  it('names the service OTEL_SERVICE_NAME when it is set', async () => {
    const tracing = startTracing(configWith({ ...ENDPOINT, OTEL_SERVICE_NAME: 'checkout-gateway' }), 'gateway', exporter);
    trace.getTracer('test').startSpan('named').end();
    await tracing.stop();
    expect(exporter.getFinishedSpans().map((s) => s.resource.attributes['service.name'])).toEqual(['checkout-gateway']);
  });

  it('keeps a span current across awaits, so what a request awaits is still inside its span', async () => {
    const tracing = startTracing(configWith(ENDPOINT), 'gateway', exporter);
    const tracer = trace.getTracer('test');
    const outer = tracer.startSpan('outer');
    await context.with(trace.setSpan(context.active(), outer), async () => {
      await sleep(5);
      tracer.startSpan('inner').end();
    });
    outer.end();
    await tracing.stop();
    const inner = exporter.getFinishedSpans().find((s) => s.name === 'inner');
    expect(inner?.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });
});
