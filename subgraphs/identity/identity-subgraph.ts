import { JWKS_PATH } from '../../infrastructure/authorization/access-token';
import type { RequestContext } from '../../infrastructure/context/request-context';
import type { TenantDatabase } from '../../infrastructure/database/scoped-database';
import { buildFederatedSchema } from '../../infrastructure/graphql/federated-schema';
import { sendJson } from '../../infrastructure/http/routes';
import type { InfrastructureModule } from '../../infrastructure/lifecycle';
import type { Logger } from '../../infrastructure/logging/logger';
import { databaseModule, postgresModule } from '../../infrastructure/modules/database-modules';
import { subgraphModule, subgraphModuleName, type RunningSubgraph } from '../../infrastructure/modules/subgraph-module';
import type { IdentityContext } from './identity-context';
import { ApiKeyResolver } from './schema/api-key.resolver';
import { toApiKeyType } from './schema/api-key-mapping';
import { apiKeyRoutes } from './schema/api-key-routes';
import { accessCheckRoute } from './schema/access-check-route';
import { SessionResolver } from './schema/session.resolver';
import { ROLE_ID_FORMATS } from './schema/role.inputs';
import { RoleResolver, UserRolesResolver } from './schema/role.resolver';
import { SigningKeyResolver } from './schema/signing-key.resolver';
import { UserResolver } from './schema/user.resolver';
import { toUserType } from './schema/user-mapping';
import { seedPlatformAdmin } from './service/admin-seed';
import { ApiKeyService } from './service/api-key-service';
import { ApiKeyVerifier } from './service/api-key-verification';
import { AccessChecker } from './service/access-check';
import { AuthenticationService } from './service/authentication-service';
import { KeyEncryption } from './service/key-encryption';
import { SessionEvents } from './service/session-events';
import type { EventStore } from '../../infrastructure/events/outbox/event-store';
import { RequestEvents } from '../../infrastructure/events/outbox/request-events';
import { SessionService } from './service/session-service';
import { SignInThrottle } from './service/sign-in-throttle';
import { TenantDirectory } from './service/tenant-directory';
import { SigningKeyRotations } from './service/signing-key-service';
import { TokenIssuer } from './service/token-issuer';
import { RoleService } from './service/role-service';
import { UserService } from './service/user-service';
import { ApiKeyStore } from './store/api-key-store';
import { AccessCheckStore } from './store/access-check-store';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS, IdentityStore } from './store/identity-store';
import { RoleStore } from './store/role-store';
import { SigningKeyStore } from './store/signing-key-store';

/** How often each replica checks whether the signing key is due for its scheduled rotation. */
const ROTATION_CHECK_MS = 60 * 60 * 1000;

export function buildIdentitySchema() {
  return buildFederatedSchema([UserResolver, SessionResolver, ApiKeyResolver, SigningKeyResolver, RoleResolver, UserRolesResolver], {
    User: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: IdentityContext) => {
        const user = await ctx.users.resolveReference(String(reference.id));
        return user ? toUserType(user) : null;
      },
    },
    ApiKey: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: IdentityContext) => {
        const apiKey = await ctx.apiKeys.resolveReference(String(reference.id));
        return apiKey ? toApiKeyType(apiKey) : null;
      },
    },
  }, { idFormats: ROLE_ID_FORMATS });
}

/**
 * The identity subgraph's modules. Identity asks tenancy about tenants: inside the embedded platform it finds
 * tenancy's loopback URL through the tenancy module; distributed, through TENANCY_URL.
 */
export function identityModules(options: { embeddedTenancy: boolean }): InfrastructureModule[] {
  const tenancyModule = subgraphModuleName('tenancy');
  return [
    postgresModule('identity'),
    databaseModule('identity', { entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS }),
    subgraphModule({
      name: 'identity',
      outbox: true,
      deps: options.embeddedTenancy ? [tenancyModule] : [],
      buildSchema: buildIdentitySchema,
      start: async ({ database, events, config, logger, ctx }) => {
        const secret = config.contextSecret!;
        const tokens = new TokenIssuer(
          new IdentityStore(database.asPlatform('token issuance')),
          new SigningKeyStore(database.asPlatform('signing keys')),
          new KeyEncryption(secret),
          config.accessTokenTtlSeconds,
          { leadMs: config.signingKeys.leadSeconds * 1000, maxAgeMs: config.signingKeys.rotationDays * 24 * 60 * 60 * 1000 },
          new RoleStore(database.asPlatform('token issuance')),
        );
        await tokens.start();
        const signingKeys = new SigningKeyRotations(tokens, events, database, logger);
        const checkRotation = () => signingKeys.rotateIfDue().catch((error: unknown) => logger.error('scheduled signing-key rotation failed', { error }));
        await checkRotation();
        const rotationTimer = setInterval(() => void checkRotation(), ROTATION_CHECK_MS);
        rotationTimer.unref();
        const tenancyUrl = options.embeddedTenancy
          ? () => `${ctx.get<RunningSubgraph>(tenancyModule).url}/graphql`
          : () => config.subgraphs.tenancy.url!;
        const directory = new TenantDirectory(tenancyUrl, secret);
        await seedPlatformAdmin(new IdentityStore(database.asPlatform('seed the first platform admin')), config, logger);
        // The gateway's key checks and use reports: signed SYSTEM calls only, never reachable through the supergraph.
        const apiKeyRoute = apiKeyRoutes(new ApiKeyVerifier(new ApiKeyStore(database.asPlatform('verify API keys and record their use'))), secret, logger);
        // Asked by a gateway whose event bus is down, which cannot hear sign-outs and suspensions (docs/security.md, "Revocations").
        const accessRoute = accessCheckRoute(new AccessChecker(new AccessCheckStore(database.asPlatform('check a session for a gateway'))), secret, logger);
        return { apiKeyRoute, accessRoute, database, tokens, directory, events, signingKeys, rotationTimer, throttle: new SignInThrottle(database, config.signInThrottle, logger) };
      },
      createContext: (services, request, logger): IdentityContext => {
        // One row scope for everything this request does (see TenantDatabase.forRequest).
        const db = services.database.forRequest(request);
        const users = new IdentityStore(db);
        const events = RequestEvents.of(services.events, db, request);
        return {
          request,
          logger,
          users: new UserService(users, services.directory, events, request, logger),
          apiKeys: new ApiKeyService(new ApiKeyStore(db), events, request, logger),
          ...sessionServices(services, request, logger),
          signingKeys: services.signingKeys,
          roles: new RoleService(new RoleStore(db), users, services.directory, events, request, logger),
        };
      },
      stop: (services) => {
        clearInterval(services.rotationTimer);
        return Promise.resolve();
      },
      routes: (services) => [
        services.apiKeyRoute,
        services.accessRoute,
        async (req, res) => {
          if (req.method !== 'GET' || req.url !== JWKS_PATH) return false;
          sendJson(res, 200, await services.tokens.jwks(), { 'cache-control': 'public, max-age=60' });
          return true;
        },
      ],
    }),
  ];
}

/** Sign-in, sessions and password changes for one request; the throttle's counters are shared by all replicas. */
function sessionServices(
  services: { database: TenantDatabase; directory: TenantDirectory; tokens: TokenIssuer; events: EventStore; throttle: SignInThrottle },
  request: RequestContext,
  logger: Logger,
): Pick<IdentityContext, 'sessions' | 'authentication'> {
  const events = new SessionEvents(services.events, services.database, request);
  const sessions = new SessionService(services.database, services.directory, services.tokens, events, request, logger);
  return { sessions, authentication: new AuthenticationService(services.database, services.directory, sessions, services.throttle, events, request, logger) };
}
