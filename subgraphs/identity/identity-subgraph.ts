import { JWKS_PATH } from '../../infrastructure/authorization/access-token';
import { buildFederatedSchema } from '../../infrastructure/graphql/federated-schema';
import { sendJson } from '../../infrastructure/http/routes';
import type { InfrastructureModule } from '../../infrastructure/lifecycle';
import { databaseModule, postgresModule } from '../../infrastructure/modules/database-modules';
import { subgraphModule, subgraphModuleName, type RunningSubgraph } from '../../infrastructure/modules/subgraph-module';
import type { IdentityContext } from './identity-context';
import { UserResolver } from './schema/user.resolver';
import { toUserType } from './schema/user-mapping';
import { seedPlatformAdmin } from './service/admin-seed';
import { AuthenticationService } from './service/authentication-service';
import { KeyEncryption } from './service/key-encryption';
import { TenantDirectory } from './service/tenant-directory';
import { TokenIssuer } from './service/token-issuer';
import { UserService } from './service/user-service';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS, IdentityStore } from './store/identity-store';

export function buildIdentitySchema() {
  return buildFederatedSchema([UserResolver], {
    User: {
      __resolveReference: async (reference: Record<string, unknown>, ctx: IdentityContext) => {
        const user = await ctx.users.resolveReference(String(reference.id));
        return user ? toUserType(user) : null;
      },
    },
  });
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
      deps: options.embeddedTenancy ? [tenancyModule] : [],
      buildSchema: buildIdentitySchema,
      start: async ({ database, bus, config, logger, ctx }) => {
        const secret = config.contextSecret!;
        const tokens = new TokenIssuer(new IdentityStore(database.asPlatform('signing keys and token issuance')), new KeyEncryption(secret), config.accessTokenTtlSeconds);
        await tokens.start();
        const tenancyUrl = options.embeddedTenancy
          ? () => `${ctx.get<RunningSubgraph>(tenancyModule).url}/graphql`
          : () => config.subgraphs.tenancy.url!;
        const directory = new TenantDirectory(tenancyUrl, secret);
        await seedPlatformAdmin(new IdentityStore(database.asPlatform('seed the first platform admin')), config, logger);
        return { database, tokens, directory, bus, authentication: new AuthenticationService(database, directory, tokens, logger) };
      },
      createContext: (services, request, logger): IdentityContext => ({
        request,
        logger,
        users: new UserService(new IdentityStore(services.database.forRequest(request)), services.directory, services.bus, request, logger),
        authentication: services.authentication,
      }),
      routes: (services) => [
        async (req, res) => {
          if (req.method !== 'GET' || req.url !== JWKS_PATH) return false;
          sendJson(res, 200, await services.tokens.jwks(), { 'cache-control': 'public, max-age=60' });
          return true;
        },
      ],
    }),
  ];
}
