import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { CONTEXT_HEADER } from '../../infrastructure/context/signed-context';
import { formatErrorForClient } from '../../infrastructure/errors/format-error';
import type { Logger } from '../../infrastructure/logging/logger';
import { withoutSecurityFeatures } from '../supergraph/security-features';
import type { SupergraphGraph, SupergraphVersion } from '../supergraph/supergraph-version';
import type { FetcherResponse } from '@apollo/utils.fetcher';
import type { GatewayContext, GatewayFeature, OperationInput } from './feature';
import { outcomeOf, socketCodeOf, SubgraphHttpError, unavailableError, type FetchOutcome, type SubgraphCalls } from './subgraph-calls';

/**
 * The one place that knows Apollo. Each supergraph version gets its own @apollo/gateway planner and Apollo Server,
 * started (so loaded and checked) before it serves; the features' hooks are mapped onto one Apollo plugin and one
 * data source class. A request leases the version it starts on and finishes on it, whatever is loaded meanwhile.
 */
export interface VersionRuntime {
  readonly version: SupergraphVersion;
  /** Runs one GraphQL-over-HTTP request on this version. */
  execute(request: HTTPGraphQLRequest, context: GatewayContext): Promise<HTTPGraphQLResponse>;
  /** Runs one operation on this version as a JSON POST would, through every feature's hooks. */
  executeOperation(request: { query: string; variables?: Record<string, unknown>; operationName?: string }, context: GatewayContext): Promise<FormattedExecutionResult>;
  /** No new requests; stops once the last one in flight has finished. */
  retire(): Promise<void>;
}

export interface RuntimeOptions {
  features: readonly GatewayFeature[];
  /** Where a subgraph is reached: the configured or embedded URL for Lattice's own, the supergraph's for others. */
  subgraphUrl: (graph: SupergraphGraph) => string;
  /** Introspection and "Did you mean …" suggestions (config.introspection). */
  introspection: boolean;
  /** The subgraphs' timeouts and circuit breakers, shared by every version. */
  calls: SubgraphCalls;
  logger: Logger;
}

/**
 * A subgraph fetch carries what the features put on it (the signed context) and nothing the client sent. It is
 * abandoned after the subgraph's timeout and not sent at all while the subgraph's circuit is open; a subgraph that
 * does not answer is SERVICE_UNAVAILABLE, named, with the reason, and never with its internal address.
 */
class FeatureDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly fetched: readonly GatewayFeature[];

  constructor(
    private readonly subgraphName: string,
    url: string,
    private readonly features: readonly GatewayFeature[],
    private readonly calls: SubgraphCalls,
    private readonly logger: Logger,
  ) {
    super({ url });
    this.fetcher = calls.withTimeout(subgraphName, this.fetcher);
    this.fetched = features.filter((f) => f.onSubgraphFetch);
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const breaker = this.calls.breaker(this.subgraphName);
    if (!breaker.tryAcquire()) {
      this.record(options, 0, 'circuit_open');
      throw unavailableError(this.subgraphName, 'circuit_open', { timeoutMs: 0, retryAfterSeconds: breaker.retryAfterSeconds() });
    }
    const started = performance.now();
    try {
      const response = await super.process(options);
      breaker.succeeded();
      this.record(options, performance.now() - started, 'ok');
      return response;
    } catch (error) {
      if (error instanceof SubgraphHttpError && error.status < 500) {
        // An HTTP error status below 500 with no GraphQL body: the gateway asked something wrong, not the caller (masked).
        this.logger.warn('subgraph refused the gateway', { subgraph: this.subgraphName, status: error.status });
        breaker.succeeded();
        this.record(options, performance.now() - started, 'error');
        throw new Error(`the ${this.subgraphName} subgraph refused the gateway's request: ${error.message}`);
      }
      // The subgraph answered with a GraphQL error of its own (errorFromResponse below): it is up.
      if (error instanceof GraphQLError && !(error instanceof SubgraphHttpError)) {
        breaker.succeeded();
        this.record(options, performance.now() - started, 'ok');
        throw error;
      }
      const outcome = outcomeOf(error);
      // The cause stays in the log (the client sees the subgraph's name and the reason, never its address).
      this.logger.warn('subgraph fetch failed', { subgraph: this.subgraphName, outcome, error: { name: (error as Error).name, message: (error as Error).message, code: socketCodeOf(error) } });
      breaker.failed();
      this.record(options, performance.now() - started, outcome);
      throw unavailableError(this.subgraphName, outcome, { timeoutMs: this.calls.timeoutMs(this.subgraphName), retryAfterSeconds: breaker.retryAfterSeconds() });
    }
  }

  /**
   * A non-2xx answer: its first GraphQL error, code and message as the subgraph wrote them (Apollo's own would carry
   * the subgraph's URL and raw body to the client); without a GraphQL body, an HTTP failure for `process` to classify.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body: unknown = await response.text().then((text) => JSON.parse(text) as unknown, () => null);
    const first = (body as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | null)?.errors?.[0];
    if (response.status < 500 && first && typeof first.message === 'string') {
      const code = typeof first.extensions?.code === 'string' ? first.extensions.code : undefined;
      return new GraphQLError(first.message, code === undefined ? {} : { extensions: { code } });
    }
    return new SubgraphHttpError(response.status);
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = options.request.http?.headers;
    if (!headers) return;
    headers.delete(CONTEXT_HEADER);
    // Health checks and schema loads run without a request and go out with nothing of a caller's.
    if (options.kind !== GraphQLDataSourceRequestKind.INCOMING_OPERATION) return;
    for (const feature of this.features) feature.subgraphHeaders?.(options.context, headers);
  }

  private record(options: GraphQLDataSourceProcessOptions<GatewayContext>, durationMs: number, outcome: FetchOutcome): void {
    if (this.fetched.length === 0 || options.kind !== GraphQLDataSourceRequestKind.INCOMING_OPERATION) return;
    const record = { context: options.context, subgraph: this.subgraphName, durationMs, outcome };
    for (const feature of this.fetched) feature.onSubgraphFetch!(record);
  }
}

/** What one request's answer held, for the features' `onResponse` (gateway/core/http-operations.ts reads it). */
export interface AnswerFacts {
  readonly errorCodes: readonly string[];
  readonly hasData: boolean;
}

// Keyed by the request, not the context: Apollo runs each operation on a shallow copy of the context it was given.
const answers = new WeakMap<GatewayContext['request'], AnswerFacts>();

/** What the answer to the request of `context` held, if Apollo answered it since the last call (then forgotten). */
export function takeAnswerFacts(context: GatewayContext): AnswerFacts | undefined {
  const facts = answers.get(context.request);
  answers.delete(context.request);
  return facts;
}

const codeOf = (error: GraphQLFormattedError): string => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR');

function featurePlugin(version: SupergraphVersion, features: readonly GatewayFeature[]): ApolloServerPlugin<GatewayContext> {
  const checks = features.filter((f) => f.checkOperation);
  const after = features.filter((f) => f.afterOperation);
  const decorate = features.filter((f) => f.willSendResponse);
  return {
    async requestDidStart({ contextValue }) {
      let operation: OperationInput | null = null;
      return {
        async responseForOperation({ operation: definition, document, request }) {
          if (!definition) return null;
          operation = { context: contextValue, document, operation: definition, variables: request.variables ?? {}, version };
          for (const feature of checks) {
            const refused = await feature.checkOperation!(operation);
            if (refused && refused.length > 0) {
              return { http: { headers: new HeaderMap() }, body: { kind: 'single', singleResult: { errors: [...refused] } } };
            }
          }
          return null;
        },
        async willSendResponse({ response }) {
          if (operation) for (const feature of after) feature.afterOperation!(operation);
          const headers = new Map<string, string>();
          let sent: readonly GraphQLFormattedError[] = [];
          if (response.body.kind === 'single') {
            const result = response.body.singleResult;
            sent = result.errors ?? [];
            answers.set(contextValue.request, { errorCodes: sent.map(codeOf), hasData: result.data !== undefined && result.data !== null });
          }
          for (const feature of decorate) feature.willSendResponse!(contextValue, { headers, errors: sent });
          for (const [name, value] of headers) response.http.headers.set(name, value);
        },
      };
    },
  };
}

/** Apollo's chatter (schema loads, planner notes) at debug; its warnings and errors as they are. */
function apolloLogger(logger: Logger) {
  return {
    debug: (message?: unknown) => logger.debug(String(message)),
    info: (message?: unknown) => logger.debug(String(message)),
    warn: (message?: unknown) => logger.warn(String(message)),
    error: (message?: unknown) => logger.error(String(message)),
  };
}

/** Starts a runtime for one version; throws (with @apollo/gateway's reason) when the version does not load. */
export async function startVersionRuntime(version: SupergraphVersion, options: RuntimeOptions): Promise<VersionRuntime> {
  const { logger, features } = options;
  const quiet = logger.child({ component: 'apollo-gateway', supergraph: version.id });
  const urls = new Map(version.graphs.map((graph) => [graph.name, options.subgraphUrl(graph)]));
  const gateway = new ApolloGateway({
    // The planner gets the supergraph without the security directives it cannot load; Lattice enforces them (gateway/authorization).
    supergraphSdl: withoutSecurityFeatures(version.sdl),
    buildService: ({ name, url }) => new FeatureDataSource(name, urls.get(name) ?? url ?? '', features, options.calls, logger.child({ component: 'subgraph-fetch' })),
    logger: apolloLogger(quiet),
  });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    introspection: options.introspection,
    // With introspection off, validation errors do not suggest field names either ("Did you mean …").
    hideSchemaDetailsFromClientErrors: !options.introspection,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // The lifecycle kernel owns signals and shutdown order.
    stopOnTerminationSignals: false,
    logger: apolloLogger(quiet),
    formatError: (formatted) => formatErrorForClient(formatted, undefined, (error) => logger.error('unexpected error', { error })),
    plugins: [featurePlugin(version, features)],
  });
  await server.start();

  let inFlight = 0;
  let retired = false;
  let stopped: Promise<void> | null = null;
  let drained: () => void = () => undefined;
  const idle = new Promise<void>((resolve) => (drained = resolve));
  const stop = () => (stopped ??= server.stop().catch((error: unknown) => logger.warn('could not stop a retired supergraph runtime', { supergraph: version.id, error })));
  const execute = async (request: HTTPGraphQLRequest, context: GatewayContext): Promise<HTTPGraphQLResponse> => {
    inFlight += 1;
    try {
      return await server.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => context });
    } finally {
      inFlight -= 1;
      if (retired && inFlight === 0) drained();
    }
  };
  return {
    version,
    execute,
    async executeOperation(operation, context) {
      const response = await execute({ method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: operation }, context);
      if (response.body.kind !== 'complete') throw new Error('an incremental response where one result was expected');
      return JSON.parse(response.body.string) as FormattedExecutionResult;
    },
    async retire() {
      retired = true;
      if (inFlight > 0) await idle;
      await stop();
    },
  };
}
