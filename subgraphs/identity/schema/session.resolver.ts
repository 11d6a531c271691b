import { Arg, Ctx, Directive, Int, Mutation, Resolver } from 'type-graphql';
import { AUTHENTICATED } from '../../../infrastructure/graphql/federated-schema';
import type { IdentityContext } from '../identity-context';
import { ChangePasswordInput, RefreshTokenInput } from './session.inputs';
import { toUserType } from './user-mapping';
import { AuthPayload } from './user.type';

@Resolver()
export class SessionResolver {
  // No requirement: the refresh token is the credential, the access token may already have expired.
  @Mutation(() => AuthPayload, {
    description:
      'Exchanges a refresh token for a new access token and a new refresh token of the same session. Each refresh token works once: presenting one again ends its whole session.',
  })
  async refreshToken(@Ctx() ctx: IdentityContext, @Arg('input', () => RefreshTokenInput) input: RefreshTokenInput): Promise<AuthPayload> {
    const result = await ctx.sessions.refresh(input.refreshToken);
    return Object.assign(new AuthPayload(), { ...result, user: toUserType(result.user) });
  }

  @Directive(AUTHENTICATED)
  @Mutation(() => Boolean, {
    description:
      "Ends the caller's current session: its refresh token stops working. Access tokens already issued stay valid until they expire. True when the session was still live.",
  })
  async signOut(@Ctx() ctx: IdentityContext): Promise<boolean> {
    return ctx.sessions.signOut();
  }

  @Directive(AUTHENTICATED)
  @Mutation(() => Int, { description: "Ends every session of the caller, this one included; returns how many were still live." })
  async signOutEverywhere(@Ctx() ctx: IdentityContext): Promise<number> {
    return ctx.sessions.signOutEverywhere();
  }

  @Directive(AUTHENTICATED)
  @Mutation(() => Boolean, {
    description:
      "Replaces the caller's password after checking the current one (FORBIDDEN when it is wrong), and ends the caller's other sessions; this one stays.",
  })
  async changePassword(@Ctx() ctx: IdentityContext, @Arg('input', () => ChangePasswordInput) input: ChangePasswordInput): Promise<boolean> {
    return ctx.authentication.changePassword(input);
  }
}
