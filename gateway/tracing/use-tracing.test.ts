import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parse } from 'graphql';
import { parseConfig } from '../../infrastructure/config/config';
import { byIdLoader } from '../../infrastructure/graphql/by-id-loader';
import { createSubgraphGraphqlRoute, type SubgraphContextBase } from '../../infrastructure/graphql/subgraph-server';
import { startHttpServer, type RunningHttpServer } from '../../infrastructure/http/http-server';
import { routeChain } from '../../infrastructure/http/routes';
import { loggerOver } from '../../infrastructure/logging/logger';
import { startTracing, type RunningTracing } from '../../infrastructure/tracing/tracing';
import { startGatewayServer, type RunningGatewayServer } from '../core/gateway-server';
import { useSignedContext } from '../federation/signed-context';
import { useTracing } from './use-tracing';

const logger = loggerOver({ write: () => undefined });
const secret = randomBytes(32).toString('base64url');
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

interface ProfilesContext extends SubgraphContextBase {
  users: ReturnType<typeof byIdLoader<{ id: string; email: string }>>;
}

/** `accounts` answers `me` (a User key) and a field that fails; `profiles` resolves the User entity through a byIdLoader. */
const SUBGRAPHS = {
  accounts: {
    typeDefs: `${LINK}\ntype Query { me: User broken: String }\ntype User @key(fields: "id") { id: ID! }`,
    resolvers: {
      Query: {
        me: () => ({ id: 'u-1' }),
        broken: () => {
          throw new Error('accounts is broken on purpose');
        },
      },
    } as GraphQLResolverMap<unknown>,
  },
  profiles: {
    typeDefs: `${LINK}\ntype User @key(fields: "id") { id: ID! email: String }`,
    resolvers: {
      User: { __resolveReference: (reference: { id: string }, context: ProfilesContext) => context.users.load(reference.id) },
    } as unknown as GraphQLResolverMap<unknown>,
  },
} as const;

describe('tracing through the gateway and its subgraphs', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: RunningTracing;
  const subgraphs: { name: string; http: RunningHttpServer; stop: () => Promise<void> }[] = [];
  const received: Record<string, IncomingHttpHeaders[]> = { accounts: [], profiles: [] };
  let gateway: RunningGatewayServer;

  beforeAll(async () => {
    tracing = startTracing(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, 'platform'), 'gateway', exporter);
    for (const [name, definition] of Object.entries(SUBGRAPHS)) {
      const graphql = await createSubgraphGraphqlRoute<ProfilesContext>({
        name,
        schema: buildSubgraphSchema({ typeDefs: parse(definition.typeDefs), resolvers: definition.resolvers }),
        contextSecret: secret,
        logger,
        introspection: false,
        createContext: (request, requestLogger) => ({
          request,
          logger: requestLogger,
          users: byIdLoader(async (ids) => ids.map((id) => ({ id, email: `${id}@example.test` })), 'User'),
        }),
      });
      const record = async (req: { headers: IncomingHttpHeaders }) => (received[name]!.push(req.headers), false);
      const http = await startHttpServer({ name, host: '127.0.0.1', port: 0, drainTimeoutMs: 1_000, logger, handler: routeChain(record, graphql.route) });
      subgraphs.push({ name, http, stop: graphql.stop });
    }
    const composed = composeServices(subgraphs.map((s) => ({ name: s.name, url: `${s.http.url}/graphql`, typeDefs: parse(SUBGRAPHS[s.name as keyof typeof SUBGRAPHS].typeDefs) })));
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    const sdl = composed.supergraphSdl;
    gateway = await startGatewayServer({
      config: parseConfig({ PORT: '0', LOG_LEVEL: 'silent' }, 'gateway', { supergraphPath: 'in-memory' }),
      logger,
      source: { description: 'in memory', start: async () => ({ sdl, origin: 'in-memory' }), stop: async () => undefined },
      subgraphUrl: (graph) => graph.url,
      features: async () => [useTracing(), useSignedContext(secret)],
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    for (const subgraph of subgraphs) {
      await subgraph.http.stop();
      await subgraph.stop();
    }
    await tracing?.stop();
  });

  beforeEach(() => exporter.reset());

  /** Sends one operation and hands back every span of its trace once they have all ended. */
  async function traced(query: string, headers: Record<string, string> = {}): Promise<{ body: { data?: unknown; errors?: unknown[] }; spans: ReadableSpan[]; root: ReadableSpan }> {
    const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
    await tracing.flush();
    const finished = exporter.getFinishedSpans();
    const roots = finished.filter((s) => s.kind === SpanKind.SERVER && s.attributes['lattice.request_id'] !== undefined && !s.attributes['lattice.subgraph']);
    expect(roots).toHaveLength(1);
    const root = roots[0]!;
    return { body, root, spans: finished.filter((s) => s.spanContext().traceId === root.spanContext().traceId) };
  }
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

  it("puts @apollo/gateway's spans under the operation's SERVER span and each subgraph's SERVER span under its gateway.fetch span", async () => {
    const { body, spans, root } = await traced('query Me { me { id email } }', { 'x-request-id': 'trace-test-request-1' });
    expect(body).toEqual({ data: { me: { id: 'u-1', email: 'u-1@example.test' } } });
    expect(root.name).toBe('query Me');
    expect(root.attributes).toMatchObject({ 'graphql.operation.name': 'Me', 'graphql.operation.type': 'query', 'lattice.request_id': 'trace-test-request-1' });
    expect(root.status.code).not.toBe(SpanStatusCode.ERROR);

    const [request] = named(spans, 'gateway.request');
    expect(parentOf(request!)).toBe(root.spanContext().spanId);
    const fetches = named(spans, 'gateway.fetch');
    expect(fetches.map((f) => f.attributes.service).sort()).toEqual(['accounts', 'profiles']);

    for (const subgraph of ['accounts', 'profiles']) {
      const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['lattice.subgraph'] === subgraph);
      const fetch = fetches.find((f) => f.attributes.service === subgraph)!;
      expect(server?.name).toMatch(new RegExp(`^${subgraph} Me__${subgraph}__\\d+$`));
      expect(parentOf(server!)).toBe(fetch.spanContext().spanId);
      expect(server!.attributes['lattice.request_id']).toBe('trace-test-request-1');
    }
    // What the subgraph received is the fetch span's own context, not the operation's.
    const profilesFetch = fetches.find((f) => f.attributes.service === 'profiles')!;
    expect(received.profiles!.at(-1)!.traceparent).toBe(`00-${profilesFetch.spanContext().traceId}-${profilesFetch.spanContext().spanId}-01`);
  });

  it('makes the _entities batch and the DataLoader batch it causes spans of the subgraph request, with the batch size', async () => {
    const { spans } = await traced('query Me { me { id email } }');
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['lattice.subgraph'] === 'profiles')!;
    const [entities] = named(spans, 'profiles _entities User');
    expect(parentOf(entities!)).toBe(server.spanContext().spanId);
    expect(entities!.attributes).toMatchObject({ 'lattice.batch.size': 1, 'lattice.entity.types': ['User'] });
    const [load] = named(spans, 'profiles load User');
    expect(parentOf(load!)).toBe(entities!.spanContext().spanId);
    expect(load!.attributes['lattice.batch.size']).toBe(1);
  });

  it('marks the operation span and the subgraph span as failed when the answer has errors', async () => {
    const { body, root, spans } = await traced('query Broken { broken }');
    expect(body.errors).toHaveLength(1);
    expect(root.status.code).toBe(SpanStatusCode.ERROR);
    expect(root.attributes['lattice.error_codes']).toEqual(['INTERNAL_SERVER_ERROR']);
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['lattice.subgraph'] === 'accounts')!;
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("links a client's traceparent instead of continuing it, so a caller cannot choose the platform's trace", async () => {
    const client = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) };
    const { root } = await traced('query Me { me { id } }', { traceparent: `00-${client.traceId}-${client.spanId}-01` });
    expect(root.spanContext().traceId).not.toBe(client.traceId);
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId }))).toEqual([client]);
  });

  it('names an anonymous operation by its type', async () => {
    const { root } = await traced('{ me { id } }');
    expect(root.name).toBe('query');
  });
});
