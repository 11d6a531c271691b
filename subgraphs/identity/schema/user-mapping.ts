import type { User } from '../service/user';
import { departmentReference, organizationReference, tenantReference } from '../../../infrastructure/graphql/entity-references';
import { UserStatus, UserType } from './user.type';

export function toUserType(user: User): UserType {
  return Object.assign(new UserType(), {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    status: UserStatus[user.status],
    tenant: tenantReference(user.tenantId),
    organization: organizationReference(user.organizationId),
    department: departmentReference(user.departmentId),
    roles: user.roles,
  });
}
