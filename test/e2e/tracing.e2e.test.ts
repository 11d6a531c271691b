import { randomBytes } from 'node:crypto';
import { eventually } from '../foreign/eventually';
import { bearer, graphql } from '../support/graphql-client';
import { mostRevealingMode } from '../support/modes';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startDistributedPlatform, startEmbeddedPlatform, type RunningPlatform } from '../support/platform';
import { createTenantWithAdmin, signInAsAdmin, type TenantWithAdmin } from '../support/scenario';

/**
 * Traces over OTLP/HTTP, as a collector receives them from the running processes: one trace per request, from the
 * gateway's SERVER span through @apollo/gateway's fetches into each subgraph's SERVER span, and on through the outbox
 * and the stream to the audit consumer that records the request's event.
 */
// Distributed when it can: traces cross processes there (the embedded provider is tested in infrastructure/tracing).
describe.each(mostRevealingMode())('traces (%s mode)', (mode) => {
  let receiver: OtlpReceiver;
  let platform: RunningPlatform;
  let acme: TenantWithAdmin;
  /** Distributed, each process is its own service; embedded, one process is all of them. */
  const service = (role: string) => (mode === 'distributed' ? `lattice-${role}` : 'lattice-platform');

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // The SDK reads OTEL_BSP_SCHEDULE_DELAY itself: spans leave each process within 100 ms instead of 5 s.
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    platform = mode === 'embedded' ? await startEmbeddedPlatform({ env }) : await startDistributedPlatform({ env });
    acme = await createTenantWithAdmin(platform.graphqlUrl, await signInAsAdmin(platform.graphqlUrl));
  }, 180_000);

  afterAll(async () => {
    await platform?.destroy();
    await receiver?.stop();
  });

  /** Runs an operation with a request id of its own; resolves with the gateway's SERVER span for it once exported. */
  async function operationSpan(query: string): Promise<ReceivedSpan> {
    const requestId = `trace-${randomBytes(6).toString('hex')}`;
    const answer = await graphql(platform.graphqlUrl, query, {}, { ...bearer(acme.admin.token), 'x-request-id': requestId });
    expect(answer.errors).toBeUndefined();
    return eventually(
      async () => receiver.spans().find((s) => s.kind === SPAN_KIND.server && s.attributes['lattice.request_id'] === requestId && s.service === service('gateway') && !s.attributes['lattice.subgraph']),
      { timeoutMs: 15_000, what: `the gateway's span of request ${requestId} (is useTracing() in the gateway's feature list?)` },
    );
  }
  const inTrace = (traceId: string) => receiver.spans().filter((s) => s.traceId === traceId);
  /** The trace as an indented tree (service: span name), for the record a reader compares with their collector. */
  const treeOf = (root: ReceivedSpan): string => {
    const spans = inTrace(root.traceId);
    const lines: string[] = [];
    const walk = (span: ReceivedSpan, depth: number) => {
      lines.push(`${'  '.repeat(depth)}${span.service}: ${span.name}`);
      for (const child of spans.filter((s) => s.parentSpanId === span.spanId)) walk(child, depth + 1);
    };
    walk(root, 0);
    return lines.join('\n');
  };

  it("puts the gateway's fetches and the identity and tenancy requests they make in the trace of the operation's span", async () => {
    const root = await operationSpan('{ me { id email tenant { name } } }');
    expect(root).toMatchObject({ name: 'query', service: service('gateway'), parentSpanId: null, attributes: expect.objectContaining({ 'graphql.operation.type': 'query', 'lattice.tenant_id': acme.tenant.id }) });

    const subgraphSpan = (subgraph: string) => inTrace(root.traceId).find((s) => s.kind === SPAN_KIND.server && s.attributes['lattice.subgraph'] === subgraph);
    const [identity, tenancy] = await eventually(
      async () => {
        const found = [subgraphSpan('identity'), subgraphSpan('tenancy')];
        return found.every(Boolean) ? (found as ReceivedSpan[]) : undefined;
      },
      { timeoutMs: 15_000, what: 'the identity and tenancy SERVER spans in the operation’s trace' },
    );
    const spans = inTrace(root.traceId);
    const request = spans.find((s) => s.name === 'gateway.request');
    expect(request?.parentSpanId).toBe(root.spanId);
    const fetches = spans.filter((s) => s.name === 'gateway.fetch');
    expect(fetches.every((f) => f.service === service('gateway'))).toBe(true);
    for (const [subgraph, span] of [['identity', identity!], ['tenancy', tenancy!]] as const) {
      expect(span.service).toBe(service(subgraph));
      expect(span.name).toMatch(new RegExp(`^${subgraph} `));
      const parent = fetches.find((f) => f.spanId === span.parentSpanId);
      expect(parent?.attributes.service).toBe(subgraph);
    }
    console.info(`[${mode}] trace ${root.traceId} of { me { id email tenant { name } } }:\n${treeOf(root)}`);
  });

  it('continues the trace of the mutation that wrote an event in the audit consumer that records it', async () => {
    const root = await operationSpan(`mutation { createOrganization(input: { name: "Traced ${randomBytes(3).toString('hex')}" }) { id } }`);
    expect(root.name).toBe('mutation');
    const consumer = await eventually(
      async () => receiver.spans().find((s) => s.kind === SPAN_KIND.consumer && s.name === 'audit record tenancy.organization.created' && s.attributes['lattice.request_id'] === root.attributes['lattice.request_id']),
      { timeoutMs: 20_000, what: "audit's span recording the organization the mutation created" },
    );
    expect(consumer.service).toBe(service('audit'));
    expect(consumer.traceId).toBe(root.traceId);
    // Its parent is the tenancy span the event was written in.
    const writer = inTrace(root.traceId).find((s) => s.spanId === consumer.parentSpanId);
    expect(writer?.service).toBe(service('tenancy'));
    expect(writer?.attributes['lattice.subgraph']).toBe('tenancy');
  });
});
