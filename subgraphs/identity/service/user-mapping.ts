import type { UserEntity } from '../store/user.entity';
import type { User } from './user';

export function toUser(row: UserEntity): User {
  return {
    id: row.id,
    tenantId: row.tenantId,
    organizationId: row.organizationId,
    departmentId: row.departmentId,
    email: row.email,
    displayName: row.displayName,
    status: row.status,
    roles: [...row.roles],
    version: row.version,
    createdAt: row.createdAt,
  };
}
