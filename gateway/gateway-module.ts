import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { LatticeConfig, SubgraphName } from '../infrastructure/config/config';
import { SUBGRAPH_NAMES } from '../infrastructure/config/config';
import type { EventBus } from '../infrastructure/events';
import type { EventStream } from '../infrastructure/events/stream/event-stream';
import { defineModule, type InfrastructureModule, type ModuleContext } from '../infrastructure/lifecycle';
import type { Logger } from '../infrastructure/logging/logger';
import { CONFIG, EVENT_BUS, LOG_SINK, moduleLogger } from '../infrastructure/modules/core-modules';
import { EVENT_STREAM } from '../infrastructure/modules/event-stream-module';
import { METRICS } from '../infrastructure/modules/metrics-module';
import type { ProcessMetrics } from '../infrastructure/metrics/process-metrics';
import { subgraphModuleName, type RunningSubgraph } from '../infrastructure/modules/subgraph-module';
import { useApiKeys } from './api-keys/use-api-keys';
import { useAccessTokens } from './auth/access-token-verifier';
import { useAuthentication } from './auth/authenticate-request';
import { BearerCredentialVerifier, type BearerScheme } from './auth/bearer-credential-verifier';
import { jwtScheme } from './auth/jwt-verifier';
import { recordGatewayDenials } from './authorization/access-denied-events';
import { useFieldAuthorization } from './authorization/field-authorization';
import type { GatewayFeature } from './core/feature';
import { startGatewayServer } from './core/gateway-server';
import { useSignedContext } from './federation/signed-context';
import { useAccessLog } from './access-log/use-access-log';
import { useHealth } from './health/readiness';
import { MemoryIdempotencyStore } from './idempotency/memory-idempotency-store';
import { RedisIdempotencyStore } from './idempotency/redis-idempotency-store';
import { useIdempotency } from './idempotency/use-idempotency';
import { useJwks } from './jwks/jwks-route';
import { useMetrics } from './metrics/use-metrics';
import { useOperationLimits } from './limits/use-operation-limits';
import { useRateLimits } from './rate-limit/use-rate-limits';
import { useTracing } from './tracing/use-tracing';
import { useRequestId } from './request-id/request-context';
import { useRevocations } from './revocations/use-revocations';
import { committedSupergraph, watchedSupergraphFile, type SupergraphSource } from './supergraph/supergraph-source';
import { gatewayRegistryClient, registrySupergraph, type RegistrySourceStatus } from './supergraph/registry-source';
import { useOperationReporting } from './registry/use-operation-reporting';
import { useRegistryEndpoint } from './registry/use-registry-endpoint';
import { useSafelist } from './registry/use-safelist';
import type { SupergraphGraph, SupergraphVersion } from './supergraph/supergraph-version';
import { useSubscriptions } from './subscriptions/use-subscriptions';
import { useTenantStatus } from './tenancy/use-tenant-status';

export const GATEWAY_MODULE = 'gateway';

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

const isLatticeGraph = (name: string): name is SubgraphName => (SUBGRAPH_NAMES as readonly string[]).includes(name);

/**
 * The public entry point, as a list of features over a live supergraph (gateway/core). Embedded, it finds Lattice's
 * subgraphs through their modules; distributed, at IDENTITY_URL, TENANCY_URL and AUDIT_URL; any other subgraph at
 * the URL its supergraph names. Lattice's own features switch on only for the Lattice subgraphs the supergraph has.
 */
export function gatewayModule(options: { embeddedSubgraphs: boolean }): InfrastructureModule<RunningGateway> {
  // Embedded, the schema registry runs in this process too (platform/main.ts).
  const subgraphDeps = options.embeddedSubgraphs ? [...SUBGRAPH_NAMES.map(subgraphModuleName), subgraphModuleName('registry')] : [];
  return defineModule<RunningGateway>({
    name: GATEWAY_MODULE,
    runtime: {
      deps: [CONFIG, LOG_SINK, EVENT_BUS, EVENT_STREAM, METRICS, ...subgraphDeps],
      start: async (ctx) => {
        const config = ctx.get<LatticeConfig>(CONFIG);
        const logger = moduleLogger(ctx, { component: 'gateway' });
        const latticeUrl = (name: SubgraphName): string | undefined =>
          options.embeddedSubgraphs ? `${ctx.get<RunningSubgraph>(subgraphModuleName(name)).url}/graphql` : config.subgraphs[name].url;
        const subgraphUrl = (graph: SupergraphGraph) => (isLatticeGraph(graph.name) ? (latticeUrl(graph.name) ?? graph.url) : graph.url);
        const registryUrl = registryGraphqlUrl(ctx, config, options.embeddedSubgraphs);
        const source = supergraphSource(ctx, config, logger, registryUrl);
        const server = await startGatewayServer({
          config,
          logger,
          source,
          subgraphUrl,
          features: (first) => gatewayFeatures(ctx, config, logger, first, subgraphUrl, registryUrl, source.status ? () => ({ ...source.status!() }) : undefined),
        });
        logger.info('Lattice gateway ready', {
          url: `${server.url}/graphql`,
          features: server.features,
          supergraph: { id: server.current().id, source: source.description },
        });
        return { url: server.url, stop: () => server.stop() };
      },
      stop: (running) => running.stop(),
    },
  });
}

/**
 * The gateway's own Redis connection (rate limits, idempotency): commands fail at once while Redis is away instead
 * of queueing, so a request waits on no reconnect; each feature decides what a failure means for its caller.
 */
async function gatewayRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000 });
  redis.on('error', (error: Error) => logger.warn('gateway redis connection error', { error }));
  await redis.connect();
  return redis;
}

/** Where the schema registry's GraphQL API is: in this process (embedded), at REGISTRY_URL, or nowhere. */
function registryGraphqlUrl(ctx: ModuleContext, config: LatticeConfig, embedded: boolean): (() => string) | undefined {
  if (embedded) return () => `${ctx.get<RunningSubgraph>(subgraphModuleName('registry')).url}/graphql`;
  const url = config.registry.url;
  return url === undefined ? undefined : () => url;
}

/** A watched file (LATTICE_SUPERGRAPH_PATH, `--supergraph`), the schema registry, or the committed file. */
function supergraphSource(ctx: ModuleContext, config: LatticeConfig, logger: Logger, registryUrl: (() => string) | undefined): SupergraphSource & { status?(): RegistrySourceStatus } {
  const settings = config.gateway;
  if (settings.supergraphPath) return watchedSupergraphFile(settings.supergraphPath, { pollMs: settings.supergraphPollMs, logger });
  if (settings.supergraphSource !== 'registry') return committedSupergraph();
  if (!registryUrl || !config.contextSecret) throw new Error('LATTICE_SUPERGRAPH_SOURCE=registry needs REGISTRY_URL and LATTICE_CONTEXT_SECRET');
  return registrySupergraph({
    graphqlUrl: registryUrl,
    contextSecret: config.contextSecret,
    cachePath: join(resolve(config.dataDir), 'supergraph-cache', 'registry.graphql'),
    pollMs: settings.registry.pollMs,
    timeoutMs: settings.registry.timeoutMs,
    bus: ctx.get<EventBus>(EVENT_BUS),
    logger: logger.child({ component: 'registry-source' }),
  });
}

/**
 * The gateway's feature list, in the order their hooks run. Lattice's features need the subgraph they talk to and
 * the context secret its subgraphs verify; with `--supergraph` and no secret, only the generic ones are on.
 */
async function gatewayFeatures(
  ctx: ModuleContext,
  config: LatticeConfig,
  logger: Logger,
  first: SupergraphVersion,
  subgraphUrl: (graph: SupergraphGraph) => string,
  registryUrl: (() => string) | undefined,
  sourceStatus: (() => Record<string, unknown>) | undefined,
): Promise<GatewayFeature[]> {
  const settings = config.gateway;
  const secret = config.contextSecret;
  const bus = ctx.get<EventBus>(EVENT_BUS);
  if (!settings.foreignSupergraph && !secret) throw new Error('LATTICE_CONTEXT_SECRET is not set');
  const latticeGraphs = secret === undefined ? [] : first.graphs.filter((graph) => isLatticeGraph(graph.name));
  if (settings.foreignSupergraph && !secret && first.graphs.some((g) => isLatticeGraph(g.name))) {
    logger.warn("the supergraph names a Lattice subgraph but LATTICE_CONTEXT_SECRET is not set: Lattice's own features stay off and its subgraphs will refuse unsigned requests");
  }
  const lattice = (name: SubgraphName) => latticeGraphs.find((graph) => graph.name === name);
  const originOf = (graph: SupergraphGraph) => new URL(subgraphUrl(graph)).origin;
  const identity = lattice('identity');
  const tenancy = lattice('tenancy');

  const features: GatewayFeature[] = [];
  const add = (feature: GatewayFeature) => features.push(feature);
  try {
    // Rate-limit buckets and idempotent answers are shared by every replica through Redis; embedded, they stay in-process.
    const redis = config.redisUrl ? await gatewayRedis(config.redisUrl, logger) : null;
    // First in the list, so stopped last: the features below use it until they stop.
    if (redis) add({ name: 'redis', stop: async () => void (await redis.quit().catch(() => redis.disconnect())) });
    // A span per request (and trace context on every subgraph fetch) when OTEL_EXPORTER_OTLP_ENDPOINT is set; first, so outermost.
    add(useTracing());
    add(useRequestId());
    // One info line per request, refusals included; after tracing, so it can name the request's trace.
    add(useAccessLog(logger.child({ component: 'access' })));
    // Lattice's subgraphs have a readiness check of their own; other subgraphs are not asked.
    add(
      useHealth({
        checkedSubgraphs: () => Object.fromEntries(latticeGraphs.map((g) => [g.name, originOf(g)])),
        timeoutMs: settings.timeouts.readinessCheckMs,
        ...(sourceStatus ? { sourceStatus } : {}),
        // Shown, not required: with Redis away rate limits count per replica and keyed mutations are refused, the rest serves.
        ...(redis ? { stores: { redis: async () => void (await redis.ping()) } } : {}),
        metrics: ctx.get<ProcessMetrics>(METRICS),
      }),
    );
    if (secret) add(useSignedContext(secret));
    const schemes: BearerScheme[] = [];
    if (identity) {
      const identityBaseUrl = () => originOf(identity);
      add(useJwks(identityBaseUrl, settings));
      const apiKeys = await useApiKeys({ identityBaseUrl, contextSecret: secret!, bus, logger, settings });
      add(apiKeys.feature);
      schemes.push(apiKeys.scheme);
      // With a JWKS of another issuer configured too, identity's tokens are told apart by their issuer.
      const accessTokens = await useAccessTokens({ identityBaseUrl, bus, settings, onlyScheme: !settings.jwt.jwksUrl });
      add(accessTokens.feature);
      schemes.push(accessTokens.scheme);
    }
    if (settings.jwt.jwksUrl) schemes.push(jwtScheme(settings.jwt.jwksUrl, settings));
    if (schemes.length > 0) add(useAuthentication(new BearerCredentialVerifier(schemes)));
    if (identity) add(await useRevocations({ bus, settings, identityBaseUrl: () => originOf(identity), contextSecret: secret! }));
    if (tenancy) add(await useTenantStatus({ tenancyGraphqlUrl: () => subgraphUrl(tenancy), contextSecret: secret!, bus, settings }));
    // Per tenant, per user, per API key (per address for anonymous callers); tenants' overrides come from tenancy.
    add(
      await useRateLimits({
        settings: settings.rateLimit,
        redis,
        namespace: config.eventNamespace,
        tenancy: tenancy ? { graphqlUrl: () => subgraphUrl(tenancy), contextSecret: secret! } : null,
        bus,
        logger: logger.child({ component: 'rate-limits' }),
      }),
    );
    const onForbidden = latticeGraphs.length > 0 ? { onForbidden: recordGatewayDenials(ctx.get<EventStream>(EVENT_STREAM), logger) } : {};
    add(useFieldAuthorization({ logger, ...onForbidden }));
    // Depth, aliases, root fields, directives and cost, on the parsed document before validation or planning.
    add(useOperationLimits(settings.limits));
    // Lattice's subscription fields are served from Lattice's domain events (gateway/subscriptions).
    const subscriptions = latticeGraphs.length > 0 ? await useSubscriptions({ bus, logger, settings, introspection: config.introspection }) : undefined;
    if (subscriptions) add(subscriptions);
    // The safelist: only operations registered with the registry run (enforce), or the others are logged (audit).
    if (settings.safelist !== 'off') {
      if (!registryUrl || !secret) throw new Error(`LATTICE_SAFELIST=${settings.safelist} needs the schema registry (REGISTRY_URL) and LATTICE_CONTEXT_SECRET`);
      const registry = gatewayRegistryClient(registryUrl, secret, settings.registry.timeoutMs);
      const source = {
        load: async () => (await registry.query<{ registryPersistedOperations: { id: string; body: string }[] }>('{ registryPersistedOperations { id body } }', {})).registryPersistedOperations,
        version: async () => (await registry.query<{ registryPersistedOperationCount: number }>('{ registryPersistedOperationCount }', {})).registryPersistedOperationCount,
      };
      add(await useSafelist({ mode: settings.safelist, source, pollMs: settings.registry.pollMs, logger: logger.child({ component: 'safelist' }) }));
    }
    // The schema registry's API at this origin, and the operations clients run reported to it for its checks.
    if (registryUrl && secret && identity) {
      add(useRegistryEndpoint({ registryUrl, contextSecret: secret, maxBodyBytes: settings.maxBodyBytes, timeoutMs: 30_000, logger }));
      add(useOperationReporting({ registryUrl, contextSecret: secret, ...settings.operationReporting, timeoutMs: settings.registry.timeoutMs, logger: logger.child({ component: 'operation-reporting' }) }));
    }
    // A mutation sent with Idempotency-Key runs once; a retry replays its answer. Last, so innermost around the run.
    const store = redis ? new RedisIdempotencyStore({ redis, keyPrefix: `${config.eventNamespace}:idempotency:` }) : new MemoryIdempotencyStore();
    add(useIdempotency({ store, settings: settings.idempotency, logger: logger.child({ component: 'idempotency' }) }));
    add(
      useMetrics({
        registry: ctx.get<ProcessMetrics>(METRICS),
        servePublicly: config.metricsPort === undefined,
        logger: logger.child({ component: 'metrics' }),
        ...(subscriptions ? { subscriptions } : {}),
      }),
    );
  } catch (error) {
    await Promise.all(features.map(async (f) => f.stop?.().catch(() => undefined)));
    throw error;
  }
  return features;
}
