import { Arg, Args, Ctx, Directive, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { tenantReference, type TenantReference } from '../../../infrastructure/graphql/entity-references';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { IdentityContext } from '../identity-context';
import { mayReference } from '../service/reference-visibility';
import { ApiKeysArgs, CreateApiKeyInput, RevokeApiKeyInput } from './api-key.inputs';
import { toApiKeyType } from './api-key-mapping';
import { ApiKeyConnection, ApiKeyType, CreateApiKeyPayload } from './api-key.type';
import { toUserType } from './user-mapping';
import { UserType } from './user.type';

@Resolver(() => ApiKeyType)
export class ApiKeyResolver {
  @Directive(requiresScopes(PERMISSIONS.apiKeysRead))
  @Query(() => ApiKeyConnection, { description: "API keys of the caller's tenant (platform admins may name another tenant). Needs apikeys:read." })
  async apiKeys(@Ctx() ctx: IdentityContext, @Args(() => ApiKeysArgs) args: ApiKeysArgs): Promise<ApiKeyConnection> {
    return mapPage(await ctx.apiKeys.list(args), toApiKeyType);
  }

  @Directive(requiresScopes(PERMISSIONS.apiKeysWrite))
  @Mutation(() => CreateApiKeyPayload, {
    description: "Creates an API key in the caller's tenant with some of the caller's permissions, and returns the key once. Needs apikeys:write.",
  })
  async createApiKey(@Ctx() ctx: IdentityContext, @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput): Promise<CreateApiKeyPayload> {
    const { key, apiKey } = await ctx.apiKeys.create(input);
    return Object.assign(new CreateApiKeyPayload(), { secret: key, apiKey: toApiKeyType(apiKey) });
  }

  @Directive(requiresScopes(PERMISSIONS.apiKeysWrite))
  @Mutation(() => ApiKeyType, { description: 'Revokes an API key on every gateway within moments. Revoking a revoked key changes nothing. Needs apikeys:write.' })
  async revokeApiKey(@Ctx() ctx: IdentityContext, @Arg('input', () => RevokeApiKeyInput) input: RevokeApiKeyInput): Promise<ApiKeyType> {
    return toApiKeyType(await ctx.apiKeys.revoke(input.id));
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'Who created the key; null when that user is no longer visible to you.' })
  async createdBy(@Root() apiKey: ApiKeyType, @Ctx() ctx: IdentityContext): Promise<UserType | null> {
    const user = await ctx.users.resolveReference(apiKey.createdById);
    return user ? toUserType(user) : null;
  }

  @FieldResolver()
  tenant(@Root() apiKey: ApiKeyType, @Ctx() ctx: IdentityContext): TenantReference | null {
    if (apiKey.tenantId === null) return null;
    return mayReference(ctx.request.principal, apiKey.tenantId, PERMISSIONS.tenantsRead) ? tenantReference(apiKey.tenantId) : null;
  }
}
