import type { IncomingMessage } from 'node:http';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { CONTEXT_HEADER, verifyContext } from '../context/signed-context';
import type { RequestContext } from '../context/request-context';
import { formatErrorForClient } from '../errors/format-error';
import type { Logger } from '../logging/logger';
import { graphqlRoute } from '../http/graphql-route';
import { describeSubgraphOperation, describeSubgraphRequest, failSubgraphRequest, traceEntityBatches, traceSubgraphRequests } from '../tracing/subgraph-tracing';

export interface SubgraphContextBase extends BaseContext {
  request: RequestContext;
  logger: Logger;
}

/** One refused field of an operation: where, and the refusal's message (permissions and paths, never values). */
export interface AccessDenial {
  path: string;
  message: string;
}

export interface SubgraphServerOptions<TContext extends SubgraphContextBase> {
  name: string;
  schema: GraphQLSchema;
  contextSecret: string;
  logger: Logger;
  /**
   * Whether the subgraph answers `__schema`/`__type` and suggests names in validation errors ("Did you mean …").
   * Off in production (`config.introspection`). The gateway plans from the committed supergraph and never
   * introspects a subgraph; `_service { sdl }` is an ordinary field and keeps working.
   */
  introspection: boolean;
  /** Builds the per-request context (services, DataLoaders) once the signed context has verified. */
  createContext(request: RequestContext, logger: Logger): TContext;
  /** Told about every FORBIDDEN answer (a security event); it must not throw. */
  onForbidden?(request: RequestContext, denials: readonly AccessDenial[]): Promise<void>;
}

/**
 * A subgraph answers only requests that carry a context the gateway signed: a direct call, a forged header
 * or an expired one is refused with UNAUTHENTICATED before any resolver runs. Each request runs in a SERVER span
 * continuing the gateway's trace, and each `_entities` batch in a span of its own (../tracing/subgraph-tracing.ts).
 */
export async function createSubgraphGraphqlRoute<TContext extends SubgraphContextBase>(options: SubgraphServerOptions<TContext>) {
  const { logger } = options;
  traceEntityBatches(options.schema, options.name);
  const server = new ApolloServer<TContext>({
    schema: options.schema,
    introspection: options.introspection,
    hideSchemaDetailsFromClientErrors: !options.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // The lifecycle kernel owns signals and shutdown order; Apollo must not stop itself (or re-raise) on SIGTERM.
    stopOnTerminationSignals: false,
    // Unexpected errors are logged once, with their original error, by the didEncounterErrors hook below.
    formatError: (formatted) => formatErrorForClient(formatted, undefined, () => undefined),
    plugins: [
      // Federated traces would expose resolver timings to whoever can reach the subgraph; Lattice does not report them.
      ApolloServerPluginInlineTraceDisabled(),
      {
        async requestDidStart({ contextValue }) {
          return {
            async didResolveOperation({ operationName, operation }) {
              if (operation) describeSubgraphOperation(operationName, operation.operation);
            },
            async didEncounterErrors({ errors }) {
              failSubgraphRequest(errors.map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR')));
              const denials: AccessDenial[] = [];
              for (const error of errors) {
                if (!error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR') {
                  contextValue.logger.error('resolver failed', { error: error.originalError ?? error, path: error.path });
                }
                if (error.extensions?.code === 'FORBIDDEN') denials.push({ path: (error.path ?? []).join('.'), message: error.message });
              }
              if (denials.length > 0 && options.onForbidden) await options.onForbidden(contextValue.request, denials);
            },
          };
        },
      },
    ],
  });
  await server.start();
  const route = graphqlRoute<TContext>('/graphql', server, async (req: IncomingMessage) => {
    const header = req.headers[CONTEXT_HEADER];
    const verification = verifyContext(Array.isArray(header) ? header[0] : header, options.contextSecret);
    if (!verification.ok) {
      logger.warn(`${options.name}: refused request without a valid gateway context`, { reason: verification.reason });
      return {
        refuse: {
          status: 401,
          body: {
            errors: [
              {
                message: `${options.name} only answers requests routed through the Lattice gateway (${verification.reason})`,
                extensions: { code: 'UNAUTHENTICATED' },
              },
            ],
          },
        },
      };
    }
    describeSubgraphRequest(verification.context);
    const requestLogger = logger.child({ requestId: verification.context.requestId });
    return options.createContext(verification.context, requestLogger);
  });
  return { route: traceSubgraphRequests(options.name, '/graphql', route), stop: () => server.stop() };
}
