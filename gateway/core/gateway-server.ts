import type { IncomingMessage } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import type { LatticeConfig } from '../../infrastructure/config/config';
import { ANONYMOUS } from '../../infrastructure/context/request-context';
import { ERROR_CODES, type ErrorCode } from '../../infrastructure/errors/error-codes';
import { httpGraphqlRoute } from '../../infrastructure/http/graphql-route';
import { startHttpServer, type RunningHttpServer, type UpgradeHandler } from '../../infrastructure/http/http-server';
import { routeChain } from '../../infrastructure/http/routes';
import type { Logger } from '../../infrastructure/logging/logger';
import { clientAddressOf, requestIdOf } from '../request-id/request-context';
import type { SupergraphSource, SupergraphText } from '../supergraph/supergraph-source';
import { parseSupergraph, SupergraphRefused, type SupergraphGraph, type SupergraphVersion } from '../supergraph/supergraph-version';
import { startVersionRuntime, type VersionRuntime } from './apollo-runtime';
import type { ConnectionInput, GatewayContext, GatewayFeature, GatewayHandle, OperationInput } from './feature';
import { httpOperations } from './http-operations';
import { SubgraphCalls } from './subgraph-calls';

/**
 * Runs every feature's context step, in list order, for one request or connection: the context the gateway signs
 * for subgraphs, or the error refusing it (UNAUTHENTICATED for a bad credential, TENANT_SUSPENDED, RATE_LIMITED,
 * SERVICE_UNAVAILABLE when a check cannot run) with the context as far as it got.
 */
export async function contextFor(features: readonly GatewayFeature[], input: ConnectionInput): Promise<GatewayContext | { refused: GraphQLFormattedError; context: GatewayContext }> {
  const context: GatewayContext = {
    request: { principal: ANONYMOUS, requestId: input.requestId, ipAddress: input.ipAddress, userAgent: input.userAgent },
  };
  try {
    for (const feature of features) await feature.context?.(input, context);
    return context;
  } catch (error) {
    const extensions = (error as { extensions?: Record<string, unknown> }).extensions ?? {};
    const given = extensions.code;
    const known = typeof given === 'string' && given in ERROR_CODES;
    const code: ErrorCode = known ? (given as ErrorCode) : 'UNAUTHENTICATED';
    const message = known ? (error as Error).message : 'the request could not be authenticated';
    return { refused: { message, extensions: { ...(known ? extensions : {}), code, requestId: input.requestId } }, context };
  }
}

/** An HTTP request as a connection: its headers are its credentials. */
export function httpConnection(req: IncomingMessage): ConnectionInput {
  const userAgent = req.headers['user-agent'];
  return {
    credentials: req.headers,
    requestId: requestIdOf(req.headers['x-request-id']),
    ipAddress: clientAddressOf(req),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 256) : null,
  };
}

export interface GatewayServerOptions {
  config: LatticeConfig;
  logger: Logger;
  source: SupergraphSource;
  /** The feature list, chosen once the first supergraph version is known (which subgraphs it has). */
  features: (first: SupergraphVersion) => Promise<GatewayFeature[]>;
  subgraphUrl: (graph: SupergraphGraph) => string;
}

export interface RunningGatewayServer {
  readonly url: string;
  readonly features: readonly string[];
  current(): SupergraphVersion;
  stop(): Promise<void>;
}

/**
 * The gateway: its features over a live supergraph. The first version must parse and load or the gateway does not
 * start. Each later version from the source is checked the same way (parse, every feature's `prepare`, the planner
 * loads) while the current one keeps serving, then swapped in as a whole; a version that fails is refused with a
 * log line saying why. Versions are applied one at a time, in the order the source hands them over.
 */
export async function startGatewayServer(options: GatewayServerOptions): Promise<RunningGatewayServer> {
  const { config, logger, source } = options;
  let features: GatewayFeature[] = [];
  let live: VersionRuntime | null = null;
  let applying: Promise<void> = Promise.resolve();
  let stopped = false;
  const calls = new SubgraphCalls(config.gateway.subgraphCalls, (subgraph, change) => {
    if (change.state === 'open') {
      logger.warn('circuit open: calls to this subgraph fail fast with SERVICE_UNAVAILABLE (CIRCUIT_OPEN) until a probe succeeds', { subgraph, failuresInARow: change.failures, probeAfterMs: change.openMs });
    } else {
      logger.info('circuit closed: the subgraph answers again', { subgraph });
    }
  });

  const load = async (text: SupergraphText): Promise<VersionRuntime> => {
    const version = parseSupergraph(text.sdl, text.origin);
    try {
      for (const feature of features) await feature.onSupergraph?.(version, 'prepare');
      return await startVersionRuntime(version, { features, subgraphUrl: options.subgraphUrl, introspection: config.introspection, calls, logger });
    } catch (error) {
      throw new SupergraphRefused(text.origin, firstLine(error));
    }
  };
  const goLive = async (runtime: VersionRuntime) => {
    const previous = live;
    runtime.version.loadedAt = new Date();
    live = runtime;
    for (const feature of features) await feature.onSupergraph?.(runtime.version, 'live');
    logger.info('supergraph loaded', { id: runtime.version.id, origin: runtime.version.origin, ...(previous ? { previous: previous.version.id } : {}) });
    // Requests already running on the previous version finish there.
    if (previous) void previous.retire();
  };
  const apply = (text: SupergraphText) => {
    applying = applying.then(async () => {
      if (stopped || text.sdl === live?.version.sdl) return;
      const started = Date.now();
      try {
        const runtime = await load(text);
        if (stopped) return void (await runtime.retire());
        await goLive(runtime);
        logger.debug('supergraph switch took', { ms: Date.now() - started });
      } catch (error) {
        logger.error('supergraph refused', { path: text.origin, reason: error instanceof SupergraphRefused ? error.reason : firstLine(error) });
      }
    });
    return applying;
  };

  const first = await source.start(apply);
  let http: RunningHttpServer | undefined;
  try {
    const firstVersion = parseSupergraph(first.sdl, first.origin);
    features = await options.features(firstVersion);
    await goLive(await load(first));
    const handle = gatewayHandle(features, () => live!);
    for (const feature of features) feature.attach?.(handle);
    const routes = features.flatMap((f) => f.routes ?? []);
    const graphql = httpGraphqlRoute(
      '/graphql',
      httpOperations({
        features,
        limits: config.gateway.limits,
        live: () => live!,
        contextFor: (input) => contextFor(features, input),
        connectionOf: httpConnection,
      }),
      config.gateway.maxBodyBytes,
    );
    http = await startHttpServer({
      name: 'gateway',
      host: config.host,
      port: config.port,
      drainTimeoutMs: config.drainTimeoutMs,
      logger,
      handler: routeChain(...routes, graphql),
      ...upgradeOf(features),
    });
  } catch (error) {
    stopped = true;
    await source.stop();
    await Promise.all(features.map(async (f) => f.stop?.().catch(() => undefined)));
    throw error;
  }
  const running = http;
  return {
    url: running.url,
    features: features.map((f) => f.name),
    current: () => live!.version,
    async stop() {
      stopped = true;
      await source.stop();
      await applying;
      await running.stop();
      for (const feature of [...features].reverse()) await feature.stop?.();
      await live?.retire();
    },
  };
}

/** The gateway as features see it (gateway/core/feature.ts, GatewayHandle). */
function gatewayHandle(features: readonly GatewayFeature[], live: () => VersionRuntime): GatewayHandle {
  return {
    current: () => live().version,
    async contextFor(input) {
      const context = await contextFor(features, input);
      return 'refused' in context ? { refused: context.refused } : context;
    },
    inspectDocument(operation) {
      for (const feature of features) {
        const refused = feature.inspectDocument?.(operation);
        if (refused) return refused;
      }
      return null;
    },
    async checkOperation(operation: OperationInput) {
      for (const feature of features) {
        const refused = await feature.checkOperation?.(operation);
        if (refused && refused.length > 0) return refused;
      }
      return [];
    },
    execute: (request, context) => live().executeOperation(request, context),
  };
}

/** The features' upgrade handlers as one: the first that takes a socket has it. */
function upgradeOf(features: readonly GatewayFeature[]): { upgrade?: UpgradeHandler } {
  const handlers = features.flatMap((f) => (f.upgrade ? [f.upgrade] : []));
  if (handlers.length === 0) return {};
  return {
    upgrade: {
      handleUpgrade: (req, socket, head) => handlers.some((h) => h.handleUpgrade(req, socket, head)),
      closeAll: async (code, reason) => {
        await Promise.all(handlers.map((h) => h.closeAll(code, reason)));
      },
    },
  };
}

/** Why a version failed, on one line and without a stack: @apollo/gateway's messages run over several ("… Caused by:\n[first error]"). */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const reason = lines.slice(0, 3).join(' ');
  return reason.length > 500 ? `${reason.slice(0, 497)}...` : reason || 'unknown error';
}
