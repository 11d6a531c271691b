import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from '../../../infrastructure/graphql/page-args';

@InputType()
export class CreateUserInput {
  @Field(() => ID, { nullable: true, description: 'The tenant to create the user in; omit for a platform user (platform admins only).' })
  tenantId?: string | null;

  @Field(() => String)
  email!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => String, { description: '12 to 128 characters.' })
  password!: string;

  @Field(() => [String], {
    nullable: true,
    description:
      'Built-in roles: tenant-admin, organization-admin, department-admin, member (tenant users) or platform-admin (platform users). Defaults to member.',
  })
  roles?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'The organization the user belongs to (in the same tenant).' })
  organizationId?: string | null;

  @Field(() => ID, { nullable: true, description: "The user's department; fixes the organization too." })
  departmentId?: string | null;
}

@InputType()
export class SignInInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String, { nullable: true, description: 'The tenant to sign in to; omit for platform users.' })
  tenantSlug?: string | null;
}

@ArgsType()
export class UsersArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; another tenant needs platform:admin." })
  tenantId?: string | null;
}
