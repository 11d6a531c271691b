import type { IncomingHttpHeaders } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { DocumentNode } from 'graphql';

/** A subgraph that is not Lattice's: plain `@apollo/subgraph` type definitions and resolvers over in-memory data. */
export interface ForeignSubgraphDefinition {
  readonly name: string;
  readonly typeDefs: DocumentNode;
  readonly resolvers: GraphQLResolverMap<unknown>;
}

/** What one subgraph request looked like when it arrived, for tests that check what a gateway forwards. */
export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly operationName: string | null;
  readonly query: string;
}

export interface RunningForeignSubgraph {
  readonly name: string;
  /** `http://127.0.0.1:<port>/graphql`: what a supergraph's `@join__graph(url:)` names. */
  readonly url: string;
  readonly typeDefs: DocumentNode;
  /** Every GraphQL request it received, oldest first (kept to the last 1000, so a long benchmark stays bounded). */
  readonly received: readonly ReceivedRequest[];
  /** How many GraphQL requests it received since it started. */
  requestCount(): number;
  stop(): Promise<void>;
}

const KEPT_REQUESTS = 1000;

/** Starts one foreign subgraph with Apollo Server's standalone HTTP server on 127.0.0.1 (port 0: any free port). */
export async function startForeignSubgraph(definition: ForeignSubgraphDefinition, options: { port?: number } = {}): Promise<RunningForeignSubgraph> {
  const received: ReceivedRequest[] = [];
  let count = 0;
  const recordRequests: ApolloServerPlugin<{ headers: IncomingHttpHeaders }> = {
    // requestDidStart runs once per GraphQL request, whatever the outcome, so a refused operation that reaches us is counted.
    requestDidStart: async ({ request, contextValue }) => {
      count += 1;
      received.push({ headers: contextValue.headers, operationName: request.operationName ?? null, query: request.query ?? '' });
      if (received.length > KEPT_REQUESTS) received.shift();
    },
  };
  const server = new ApolloServer<{ headers: IncomingHttpHeaders }>({
    schema: buildSubgraphSchema({ typeDefs: definition.typeDefs, resolvers: definition.resolvers }),
    // No federated tracing: nobody reads it here, and it would cost every request of a benchmark.
    plugins: [recordRequests, ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: options.port ?? 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  return {
    name: definition.name,
    // The standalone server answers on every path; /graphql reads as what it is.
    url: new URL('/graphql', url).toString(),
    typeDefs: definition.typeDefs,
    received,
    requestCount: () => count,
    stop: () => server.stop(),
  };
}
