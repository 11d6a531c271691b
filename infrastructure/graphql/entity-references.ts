import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** A Tenant as other subgraphs know it: only its key. Tenancy resolves the rest through the gateway. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Tenant')
export class TenantReference {
  @Field(() => ID)
  id!: string;
}

/** A User as subgraphs other than identity know it: only its key. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('User')
export class UserReference {
  @Field(() => ID)
  id!: string;
}

/** An Organization as subgraphs other than tenancy know it: only its key. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Organization')
export class OrganizationReference {
  @Field(() => ID)
  id!: string;
}

/** A Department as subgraphs other than tenancy know it: only its key. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Department')
export class DepartmentReference {
  @Field(() => ID)
  id!: string;
}

export function organizationReference(id: string | null): OrganizationReference | null {
  return id === null ? null : Object.assign(new OrganizationReference(), { id });
}

export function departmentReference(id: string | null): DepartmentReference | null {
  return id === null ? null : Object.assign(new DepartmentReference(), { id });
}

export function tenantReference(id: string | null): TenantReference | null {
  return id === null ? null : Object.assign(new TenantReference(), { id });
}

export function userReference(id: string | null): UserReference | null {
  return id === null ? null : Object.assign(new UserReference(), { id });
}
