import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DepartmentReference, OrganizationReference, TenantReference } from '../../../infrastructure/graphql/entity-references';
import { connectionType, type Connection } from '../../../infrastructure/graphql/connection';

export enum UserStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  DEACTIVATED = 'DEACTIVATED',
  /** Soft-deleted: kept for audit trails, cannot sign in, e-mail free for a new account. */
  DELETED = 'DELETED',
}
registerEnumType(UserStatus, { name: 'UserStatus' });

@Directive('@key(fields: "id")')
@ObjectType('User', { description: 'A person who signs in. Belongs to one tenant, or to the platform when tenant is null.' })
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => UserStatus)
  status!: UserStatus;

  // tenant, organization and department are resolved by UserResolver from the ids below: whether the caller may be
  // handed one depends on who asks.
  @Field(() => TenantReference, { nullable: true, description: 'Null for platform users.' })
  tenant?: TenantReference | null;

  @Field(() => OrganizationReference, { nullable: true, description: 'The organization the user belongs to, if any.' })
  organization?: OrganizationReference | null;

  @Field(() => DepartmentReference, { nullable: true, description: 'The department the user belongs to, if any.' })
  department?: DepartmentReference | null;

  /** Not GraphQL fields: where the user belongs, for the resolvers above. */
  tenantId!: string | null;
  organizationId!: string | null;
  departmentId!: string | null;

  @Field(() => [String])
  roles!: string[];
}

export const UserConnection = connectionType('User', UserType);
export type UserConnection = Connection<UserType>;

@ObjectType('AuthPayload', { description: 'What signing in or refreshing answers: a short-lived access token, its single-use refresh token, and the user.' })
export class AuthPayload {
  @Field(() => String, { description: 'Short-lived JWT; send it as "Authorization: Bearer <accessToken>".' })
  accessToken!: string;

  @Field(() => String, { description: 'Opaque, single-use token to obtain a new access token.' })
  refreshToken!: string;

  @Field(() => Date, { description: 'When the access token expires.' })
  expiresAt!: Date;

  @Field(() => UserType)
  user!: UserType;
}

@ObjectType('UserChange', { description: 'One change of a user, as `userChanged` delivers it.' })
export class UserChangeType {
  @Field(() => String, { description: 'The domain event, e.g. "identity.user.updated".' })
  type!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => UserType, { nullable: true, description: 'The user as it is now; null once deleted, or when you may not see it.' })
  user!: UserType | null;
}
