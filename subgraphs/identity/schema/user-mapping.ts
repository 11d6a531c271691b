import type { User } from '../service/user';
import { UserStatus, UserType } from './user.type';

export function toUserType(user: User): UserType {
  return Object.assign(new UserType(), {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    status: UserStatus[user.status],
    tenantId: user.tenantId,
    organizationId: user.organizationId,
    departmentId: user.departmentId,
    roles: user.roles,
  });
}
