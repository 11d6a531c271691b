import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { mapPage } from '../../../infrastructure/graphql/pagination';
import type { IdentityContext } from '../identity-context';
import { CreateUserInput, SignInInput, UsersArgs } from './user.inputs';
import { toUserType } from './user-mapping';
import { AuthPayload, UserConnection, UserType } from './user.type';

@Resolver(() => UserType)
export class UserResolver {
  @Query(() => UserType, { description: 'The signed-in user.' })
  async me(@Ctx() ctx: IdentityContext): Promise<UserType> {
    return toUserType(await ctx.users.me());
  }

  @Query(() => UserConnection, { description: "Users of the caller's tenant (platform admins may name another tenant)." })
  async users(
    @Ctx() ctx: IdentityContext,
    @Args(() => UsersArgs) args: UsersArgs,
  ): Promise<UserConnection> {
    return mapPage(await ctx.users.list(args), toUserType);
  }

  @Mutation(() => UserType, { description: 'Creates a user: tenant admins in their own tenant, platform admins anywhere.' })
  async createUser(@Ctx() ctx: IdentityContext, @Arg('input', () => CreateUserInput) input: CreateUserInput): Promise<UserType> {
    return toUserType(await ctx.users.create(input));
  }

  @Mutation(() => AuthPayload, { description: 'Exchanges e-mail and password for an access and a refresh token.' })
  async signIn(@Ctx() ctx: IdentityContext, @Arg('input', () => SignInInput) input: SignInInput): Promise<AuthPayload> {
    const result = await ctx.authentication.signIn(input);
    return Object.assign(new AuthPayload(), { ...result, user: toUserType(result.user) });
  }
}
