import type { Department, Organization } from '../service/hierarchy';
import { DepartmentType, HierarchyStatus, OrganizationType } from './hierarchy.type';

export function toOrganizationType(o: Organization): OrganizationType {
  return Object.assign(new OrganizationType(), {
    id: o.id,
    name: o.name,
    status: HierarchyStatus[o.status],
    version: o.version,
    createdAt: o.createdAt,
    tenantId: o.tenantId,
  });
}

export function toDepartmentType(d: Department): DepartmentType {
  return Object.assign(new DepartmentType(), {
    id: d.id,
    name: d.name,
    status: HierarchyStatus[d.status],
    version: d.version,
    createdAt: d.createdAt,
    organizationId: d.organizationId,
    parentId: d.parentId,
  });
}
