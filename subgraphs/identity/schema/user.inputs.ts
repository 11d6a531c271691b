import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { UserStatus } from './user.type';
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

@InputType()
export class UsersFilter {
  @Field(() => UserStatus, { nullable: true, description: 'Only users in this status. Without it, every status but DELETED.' })
  status?: UserStatus | null;

  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => ID, { nullable: true })
  departmentId?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive part of the e-mail or display name (at most 100 characters).' })
  search?: string | null;
}

@ArgsType()
export class UsersArgs extends PageArgs {
  @Field(() => ID, { nullable: true, description: "Defaults to the caller's tenant; another tenant needs platform:admin." })
  tenantId?: string | null;

  @Field(() => UsersFilter, { nullable: true, description: 'Ordered by creation (id) either way, so cursors stay stable.' })
  filter?: UsersFilter | null;
}

@InputType()
export class UpdateUserInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => ID, { nullable: true, description: 'Moves the user; give organizationId and/or departmentId (null for none) together.' })
  organizationId?: string | null;

  @Field(() => ID, { nullable: true })
  departmentId?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the roles; takes effect in the next access token.' })
  roles?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'The version you read: a stale one is CONFLICT.' })
  expectedVersion?: number | null;
}

@InputType()
export class SuspendUserInput {
  @Field(() => ID)
  id!: string;
}

@InputType()
export class ReactivateUserInput {
  @Field(() => ID)
  id!: string;
}

@InputType()
export class DeleteUserInput {
  @Field(() => ID)
  id!: string;
}
