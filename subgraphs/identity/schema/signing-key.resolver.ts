import { Ctx, Directive, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { requiresScopes } from '../../../infrastructure/graphql/federated-schema';
import type { IdentityContext } from '../identity-context';

@ObjectType('SigningKeyRotation', { description: 'A new access-token signing key: already in JWKS, signing from activatesAt.' })
export class SigningKeyRotationType {
  @Field(() => ID)
  kid!: string;

  @Field(() => Date, { description: 'From here on new access tokens carry this kid; until then the previous key signs.' })
  activatesAt!: Date;

  @Field(() => [ID], { description: 'Keys that stop signing at activatesAt; they stay in JWKS until their tokens have expired.' })
  retiringKids!: string[];
}

@Resolver()
export class SigningKeyResolver {
  @Directive(requiresScopes(PERMISSIONS.platformAdmin))
  @Mutation(() => SigningKeyRotationType, { description: 'Rotates the access-token signing key now (platform admins). Keys also rotate on a schedule.' })
  async rotateSigningKey(@Ctx() ctx: IdentityContext): Promise<SigningKeyRotationType> {
    const rotated = await ctx.signingKeys.rotateNow(ctx.request);
    return Object.assign(new SigningKeyRotationType(), { kid: rotated.kid, activatesAt: rotated.activatesAt, retiringKids: rotated.retiring });
  }
}
