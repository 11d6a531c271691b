import { Field, InputType } from 'type-graphql';

@InputType()
export class RefreshTokenInput {
  @Field(() => String, { description: 'The refresh token from signIn or from the previous refreshToken; each is accepted once.' })
  refreshToken!: string;
}

@InputType()
export class ChangePasswordInput {
  @Field(() => String)
  currentPassword!: string;

  @Field(() => String, { description: '12 to 128 characters, not a commonly used password, not the e-mail address.' })
  newPassword!: string;
}
