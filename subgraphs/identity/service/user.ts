/** A user as identity's use cases see it. The password hash never leaves the store layer. */
export interface User {
  id: string;
  tenantId: string | null;
  organizationId: string | null;
  departmentId: string | null;
  email: string;
  displayName: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED' | 'DELETED';
  roles: string[];
  version: number;
  createdAt: Date;
}
