import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import type { LatticeConfig, SubgraphName } from '../infrastructure/config/config';
import { SUBGRAPH_NAMES } from '../infrastructure/config/config';
import { formatErrorForClient } from '../infrastructure/errors/format-error';
import { graphqlRoute } from '../infrastructure/http/graphql-route';
import { startHttpServer, type RunningHttpServer } from '../infrastructure/http/http-server';
import { healthRoutes, routeChain } from '../infrastructure/http/routes';
import { PERMISSIONS } from '../infrastructure/authorization/permissions';
import type { EventBus } from '../infrastructure/events';
import { SystemSubgraphClient } from '../infrastructure/graphql/system-subgraph-client';
import { defineModule, type InfrastructureModule } from '../infrastructure/lifecycle';
import { CONFIG, EVENT_BUS, LOG_SINK, moduleLogger } from '../infrastructure/modules/core-modules';
import { subgraphModuleName, type RunningSubgraph } from '../infrastructure/modules/subgraph-module';
import { SIGNING_KEY_ROTATED } from '../infrastructure/authorization/signing-keys';
import { ACCESS_REVOCATION_EVENTS, ACCESS_TOKEN_MAX_TTL_SECONDS, AccessRevocations } from './auth/access-revocations';
import { AccessTokenVerifier } from './auth/access-token-verifier';
import { startApiKeyAuthentication } from './auth/api-key-authentication';
import { BearerCredentialVerifier } from './auth/api-key-bearer-verifier';
import { gatewayContextOf } from './auth/gateway-context';
import { SignedContextDataSource, type GatewayContext } from './federation/signed-context-data-source';
import { readSupergraph } from './federation/supergraph';
import { withoutSecurityFeatures } from './federation/security-features';
import { fieldAuthorizationPlugin } from './authorization/field-authorization-plugin';
import { recordGatewayDenials } from './authorization/access-denied-events';
import { EVENT_STREAM } from '../infrastructure/modules/event-stream-module';
import type { EventStream } from '../infrastructure/events/stream/event-stream';
import { FieldRequirements } from './authorization/field-requirements';
import { gatewayReadiness } from './health/readiness';
import { JWKS_PATH } from '../infrastructure/authorization/access-token';
import { jwksRoute } from './server/jwks-route';
import { fetchTenantStatusFrom } from './tenancy/fetch-tenant-status';
import { tenantStatusChangePlugin } from './tenancy/status-change-plugin';
import { TENANT_STATUS_EVENTS, TenantStatusCache } from './tenancy/tenant-status-cache';

export const GATEWAY_MODULE = 'gateway';

export interface RunningGateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * The public entry point: authenticates every request, signs the context subgraphs trust, and plans queries
 * over the committed supergraph. Embedded, it finds the subgraphs through their modules; distributed, by URL.
 * It refuses users of suspended tenants, learning of suspensions from tenancy's events on the bus.
 */
export function gatewayModule(options: { embeddedSubgraphs: boolean }): InfrastructureModule<RunningGateway> {
  const subgraphDeps = options.embeddedSubgraphs ? SUBGRAPH_NAMES.map(subgraphModuleName) : [];
  return defineModule<RunningGateway>({
    name: GATEWAY_MODULE,
    runtime: {
      deps: [CONFIG, LOG_SINK, EVENT_BUS, EVENT_STREAM, ...subgraphDeps],
      start: async (ctx) => {
        const config = ctx.get<LatticeConfig>(CONFIG);
        const logger = moduleLogger(ctx, { component: 'gateway' });
        const secret = config.contextSecret;
        if (!secret) throw new Error('LATTICE_CONTEXT_SECRET is not set');
        const baseUrls = (): Record<SubgraphName, string> =>
          Object.fromEntries(
            SUBGRAPH_NAMES.map((name) => [
              name,
              options.embeddedSubgraphs ? ctx.get<RunningSubgraph>(subgraphModuleName(name)).url : new URL(config.subgraphs[name].url!).origin,
            ]),
          ) as Record<SubgraphName, string>;
        const graphqlUrl = (name: SubgraphName) =>
          options.embeddedSubgraphs ? `${baseUrls()[name]}/graphql` : config.subgraphs[name].url!;

        // API keys (`Bearer lat_…`) are checked with identity over a signed internal route; see docs/architecture.md, API keys.
        const apiKeys = await startApiKeyAuthentication<GatewayContext>({ identityBaseUrl: () => baseUrls().identity, contextSecret: secret, bus: ctx.get<EventBus>(EVENT_BUS), logger });
        const accessTokens = new AccessTokenVerifier(new URL(JWKS_PATH, baseUrls().identity));
        const verifier = new BearerCredentialVerifier(apiKeys.authenticator, accessTokens);
        // Remembered for the longest access-token lifetime identity can be configured with (LATTICE_ACCESS_TOKEN_TTL).
        const revocations = new AccessRevocations(ACCESS_TOKEN_MAX_TTL_SECONDS * 1000);
        const tenants = new TenantStatusCache(
          fetchTenantStatusFrom(
            new SystemSubgraphClient({
              service: 'tenancy',
              graphqlUrl: () => graphqlUrl('tenancy'),
              contextSecret: secret,
              caller: 'gateway',
              permissions: [PERMISSIONS.platformAdmin, PERMISSIONS.tenantsRead],
              // Callers wait on this; a slow tenancy fails the request closed rather than holding it.
              timeoutMs: 3_000,
            }),
          ),
        );
        // Read once per supergraph load: a request only looks fields up (see docs/architecture.md, field authorization).
        const supergraphSdl = await readSupergraph();
        const fieldRequirements = FieldRequirements.fromSupergraph(supergraphSdl);
        let supergraphLoaded = false;
        const gateway = new ApolloGateway({
          // The planner gets the supergraph without the security directives it cannot load; Lattice enforces them (gateway/authorization).
          supergraphSdl: withoutSecurityFeatures(supergraphSdl),
          buildService: ({ name }) => new SignedContextDataSource(name, graphqlUrl(name as SubgraphName), secret),
        });
        gateway.onSchemaLoadOrUpdate(() => {
          supergraphLoaded = true;
        });
        const server = new ApolloServer<GatewayContext>({
          gateway,
          introspection: true,
          includeStacktraceInErrorResponses: false,
          // The lifecycle kernel owns signals and shutdown order.
          stopOnTerminationSignals: false,
          formatError: (formatted) => formatErrorForClient(formatted, undefined, (error) => logger.error('unexpected error', { error })),
          plugins: [
            fieldAuthorizationPlugin(fieldRequirements, logger, recordGatewayDenials(ctx.get<EventStream>(EVENT_STREAM), logger)),
            tenantStatusChangePlugin(tenants),
            apiKeys.plugin,
            {
              // Every error carries the request id, so a user's report can be matched to the logs.
              async requestDidStart({ contextValue }) {
                return {
                  async willSendResponse({ response }) {
                    response.http.headers.set('x-request-id', contextValue.request.requestId);
                    if (response.body.kind !== 'single') return;
                    for (const error of response.body.singleResult.errors ?? []) {
                      (error.extensions as Record<string, unknown>).requestId = contextValue.request.requestId;
                    }
                  },
                };
              },
            },
          ],
        });
        await server.start();

        const graphql = graphqlRoute<GatewayContext>('/graphql', server, (req) => gatewayContextOf(req, verifier, tenants, revocations));

        // Live before the first request is served: every replica hears every suspension (see docs/architecture.md).
        const bus = ctx.get<EventBus>(EVENT_BUS);
        const subscriptions = [
          await bus.subscribe(TENANT_STATUS_EVENTS, (event) => tenants.apply(event)),
          // A new signing key is in identity's JWKS before it signs: fetch it now rather than on its first token.
          await bus.subscribe(SIGNING_KEY_ROTATED, () => accessTokens.reload()),
          // Sign-outs, suspensions and deletions end access on every gateway before the tokens expire.
          await bus.subscribe(ACCESS_REVOCATION_EVENTS, (event) => revocations.apply(event)),
        ];
        const unsubscribe = async () => {
          for (const stop of subscriptions) await stop();
        };
        let http: RunningHttpServer;
        try {
          http = await startHttpServer({
            name: 'gateway',
            host: config.host,
            port: config.port,
            drainTimeoutMs: config.drainTimeoutMs,
            logger,
            handler: routeChain(healthRoutes(gatewayReadiness(() => supergraphLoaded, baseUrls)), jwksRoute(() => baseUrls().identity), graphql),
          });
        } catch (error) {
          await unsubscribe();
          await apiKeys.stop();
          throw error;
        }
        logger.info('Lattice gateway ready', { url: `${http.url}/graphql` });
        return {
          url: http.url,
          async stop() {
            await http.stop();
            await apiKeys.stop();
            await unsubscribe();
            await server.stop();
          },
        };
      },
      stop: (running) => running.stop(),
    },
  });
}
