import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { serviceSettings, type LatticeConfig, type ServiceName } from '../config/config';
import type { RequestContext } from '../context/request-context';
import type { EventBus } from '../events';
import { createSubgraphGraphqlRoute, type AccessDenial, type SubgraphContextBase } from '../graphql/subgraph-server';
import { RequestEvents } from '../events/outbox/request-events';
import { uuid7 } from '../events/uuid7';
import { TenantDatabase } from '../database/scoped-database';
import { startHttpServer } from '../http/http-server';
import { checkStores, healthRoutes, routeChain, type StoreCheck } from '../http/routes';
import { defineModule, type InfrastructureModule, type ModuleContext } from '../lifecycle';
import type { Logger } from '../logging/logger';
import { CONFIG, EVENT_BUS, LOG_SINK, moduleLogger } from './core-modules';
import { databaseModuleName } from './database-modules';
import { EVENT_STREAM, eventStreamKey, processIdentity } from './event-stream-module';
import { METRICS } from './metrics-module';
import { metricsRoute } from '../metrics/metrics-route';
import { watchOutbox } from '../metrics/outbox-metrics';
import type { ProcessMetrics } from '../metrics/process-metrics';
import { trackConsumerGroups, watchStreamGroups } from '../metrics/stream-metrics';
import { EventStore } from '../events/outbox/event-store';
import { OutboxRelay } from '../events/outbox/outbox-relay';
import { OutboxSignal } from '../events/outbox/outbox-signal';
import type { EventStream } from '../events/stream/event-stream';

/** The module serving a subgraph, or the schema registry (a service built the same way, outside the supergraph). */
export const subgraphModuleName = (subgraph: ServiceName) => (subgraph === 'registry' ? 'registry-service' : `${subgraph}-subgraph`);

export interface RunningSubgraph {
  /** Base URL (`http://host:port`); GraphQL is served at `${url}/graphql`. */
  url: string;
  stop(): Promise<void>;
}

export interface SubgraphWiring {
  dataSource: DataSource;
  /** The same database, handed out by row scope: what stores of tenant-owned tables must use. */
  database: TenantDatabase;
  bus: EventBus;
  /** This subgraph's event store (its transactional outbox): the only way its services publish events. */
  events: EventStore;
  /** The durable stream every subgraph's relay appends to; consumers (audit) read it through consumer groups. */
  stream: EventStream;
  config: LatticeConfig;
  logger: Logger;
  ctx: ModuleContext;
}

export interface SubgraphDefinition<TContext extends SubgraphContextBase, TServices> {
  name: ServiceName;
  /** Whether this subgraph's database has an event store whose committed events a relay moves to the stream and bus. */
  outbox?: boolean;
  /** Extra modules this subgraph needs besides config, logging, the bus and its database (e.g. another subgraph's URL). */
  deps?: readonly string[];
  buildSchema(): Promise<GraphQLSchema>;
  /** Runs once the database is migrated: long-lived services, seeding, subscriptions. */
  start(wiring: SubgraphWiring): Promise<TServices>;
  stop?(services: TServices): Promise<void>;
  createContext(services: TServices, request: RequestContext, logger: Logger): TContext;
  /** Stores besides its database and the event stream that the service writes to (audit's MongoDB), for readiness. */
  stores?(services: TServices): Record<string, StoreCheck>;
  /** Non-GraphQL routes (e.g. JWKS). */
  routes?(services: TServices): ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>)[];
}

/** One subgraph as a lifecycle module: its HTTP server, verified-context GraphQL, and health endpoints. */
export function subgraphModule<TContext extends SubgraphContextBase, TServices>(
  definition: SubgraphDefinition<TContext, TServices>,
): InfrastructureModule<RunningSubgraph> {
  const { name } = definition;
  return defineModule<RunningSubgraph>({
    name: subgraphModuleName(name),
    runtime: {
      deps: [CONFIG, LOG_SINK, EVENT_BUS, EVENT_STREAM, METRICS, databaseModuleName(name), ...(definition.deps ?? [])],
      start: async (ctx) => {
        const config = ctx.get<LatticeConfig>(CONFIG);
        const logger = moduleLogger(ctx, { subgraph: name });
        const dataSource = ctx.get<DataSource>(databaseModuleName(name));
        const bus = ctx.get<EventBus>(EVENT_BUS);
        if (!config.contextSecret) throw new Error('LATTICE_CONTEXT_SECRET is not set');
        const stream = ctx.get<EventStream>(EVENT_STREAM);
        const metrics = ctx.get<ProcessMetrics>(METRICS);
        const database = new TenantDatabase(dataSource, logger);
        const signal = new OutboxSignal();
        const events = new EventStore(name, signal);
        const relay = definition.outbox
          ? new OutboxRelay({
              database: database.asPlatform('outbox relay: moves committed events of every tenant to the event stream'),
              stream,
              bus,
              signal,
              // Other replicas' commits arrive by NOTIFY; the embedded database has only this process writing. LISTEN needs
              // no privilege, so it uses the service's own login: no connection of the running service holds the owner's.
              listenUrl: serviceSettings(config, name).appDatabaseUrl ?? serviceSettings(config, name).databaseUrl,
              holder: processIdentity(`${name}-relay`),
              logger: logger.child({ component: 'outbox-relay' }),
            })
          : null;
        // What the service consumes of the stream is what its stream metrics show.
        const consumed = trackConsumerGroups(stream);
        const services = await definition.start({ dataSource, database, bus, events, stream: consumed.stream, config, logger, ctx });
        await relay?.start();
        const graphql = await createSubgraphGraphqlRoute<TContext>({
          name,
          schema: await definition.buildSchema(),
          contextSecret: config.contextSecret,
          logger,
          introspection: config.introspection,
          createContext: (request, requestLogger) => definition.createContext(services, request, requestLogger),
          ...(definition.outbox ? { onForbidden: (request, denials) => recordAccessDenied(events, database, request, denials, logger) } : {}),
        });
        // Every store this service writes to: its database (required to answer), the event stream's Redis when
        // distributed (events wait in the outbox while it is away, so only `?strict=1` fails on it), and its own.
        const stores: Record<string, StoreCheck> = {
          database: { ping: () => dataSource.query('SELECT 1'), required: true },
          ...(config.redisUrl && consumed.stream.ping ? { redis: { ping: () => consumed.stream.ping!(), required: false } } : {}),
          ...(definition.stores?.(services) ?? {}),
        };
        const health = healthRoutes(() => stores, { timeoutMs: config.gateway.timeouts.readinessCheckMs });
        const storeReady = metrics.scrapedGauge({
          name: 'lattice_service_store_ready',
          help: 'Whether each store a service writes to answers its readiness ping (1) or not (0).',
          labelNames: ['service', 'store'],
        });
        const embedded = config.role === 'platform';
        const http = await startHttpServer({
          name: name === 'registry' ? 'schema registry' : `${name} subgraph`,
          // Inside the all-in-one platform subgraphs are private: loopback only.
          host: embedded ? '127.0.0.1' : config.host,
          port: serviceSettings(config, name).port,
          drainTimeoutMs: config.drainTimeoutMs,
          logger,
          // With LATTICE_METRICS_PORT set, /metrics is on that port only (metrics-module.ts).
          handler: routeChain(health, ...(config.metricsPort === undefined ? [metricsRoute(metrics, logger)] : []), ...(definition.routes?.(services) ?? []), graphql.route),
        });
        const metricsLogger = logger.child({ component: 'metrics' });
        const unwatch = [
          storeReady.feed(name, async () =>
            Object.entries(await checkStores(stores, config.gateway.timeouts.readinessCheckMs)).map(([store, state]) => ({ labels: { service: name, store }, value: state.state === 'ok' ? 1 : 0 })),
          ),
          watchStreamGroups(metrics, { service: name, streamName: eventStreamKey(config), stream, groups: consumed.groups, logger: metricsLogger }),
          // As the relay reads it: platform scope, since row-level security is forced on event_store.
          ...(definition.outbox
            ? [watchOutbox(metrics, { service: name, database: database.asPlatform('metrics: counts the events of every tenant the outbox relay has not moved yet'), logger: metricsLogger })]
            : []),
        ];
        return {
          url: http.url,
          async stop() {
            await http.stop();
            unwatch.forEach((stop) => stop());
            await graphql.stop();
            // After the last request: whatever those requests committed is still moved before the relay stops.
            await relay?.stop();
            await definition.stop?.(services);
          },
        };
      },
      stop: (running) => running.stop(),
    },
  });
}

/**
 * A FORBIDDEN answer is a security event: who was refused what, recorded through the outbox in the caller's tenant
 * (platform scope for platform principals). Never the operation's variables: they may hold anything.
 */
async function recordAccessDenied(events: EventStore, database: TenantDatabase, request: RequestContext, denials: readonly AccessDenial[], logger: Logger): Promise<void> {
  const { principal } = request;
  const db = principal.tenantId ? database.forTenant(principal.tenantId) : database.asPlatform('record a refused request', request);
  try {
    await RequestEvents.of(events, db, request).record({
      type: 'security.access.denied',
      aggregateType: 'AccessDecision',
      aggregateId: uuid7(),
      tenantId: principal.tenantId,
      data: { principalKind: principal.kind, denials: denials.map((d) => ({ path: d.path, reason: d.message })) },
    });
  } catch (error) {
    logger.error('could not record a refused request', { requestId: request.requestId, error });
  }
}
