import { errors } from '../../../infrastructure/errors/error-codes';

export type HierarchyStatus = 'ACTIVE' | 'ARCHIVED';

export interface Organization {
  id: string;
  tenantId: string;
  name: string;
  status: HierarchyStatus;
  version: number;
  createdAt: Date;
}

export interface Department {
  id: string;
  tenantId: string;
  organizationId: string;
  parentId: string | null;
  /** Ancestor ids, root first, parent last. */
  path: string[];
  name: string;
  status: HierarchyStatus;
  version: number;
  createdAt: Date;
}

/** Departments nest at most this deep (a root department is depth 1). */
export const MAX_DEPARTMENT_DEPTH = 8;
export const HIERARCHY_NAME_MAX_LENGTH = 100;

export function validateHierarchyName(field: string, name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > HIERARCHY_NAME_MAX_LENGTH) {
    throw errors.badInput(field, `must be 1 to ${HIERARCHY_NAME_MAX_LENGTH} characters after trimming (got ${trimmed.length})`);
  }
  return trimmed;
}

export function depthOf(department: Pick<Department, 'path'>): number {
  return department.path.length + 1;
}

/** Where a new child of `parent` may go: an active parent whose depth leaves room. */
export function checkNewChild(organization: Organization, parent: Department | null): void {
  if (organization.status === 'ARCHIVED') throw errors.badInput('input.organizationId', 'the organization is archived and takes no new departments');
  if (!parent) return;
  if (parent.organizationId !== organization.id) {
    throw errors.badInput('input.parentId', 'the parent department belongs to another organization');
  }
  if (parent.status === 'ARCHIVED') throw errors.badInput('input.parentId', 'the parent department is archived and takes no new children');
  if (depthOf(parent) + 1 > MAX_DEPARTMENT_DEPTH) {
    throw errors.badInput('input.parentId', `departments nest at most ${MAX_DEPARTMENT_DEPTH} deep`);
  }
}

/**
 * Pure rules for moving `department` (whose subtree is `subtreeHeight` levels tall, itself included) under
 * `newParent` (null: to the top of its organization).
 */
export function checkMove(department: Department, newParent: Department | null, subtreeHeight: number): void {
  if (department.status === 'ARCHIVED') throw errors.badInput('input.id', 'an archived department cannot be moved');
  if (!newParent) return;
  if (newParent.organizationId !== department.organizationId) {
    throw errors.badInput('input.parentId', 'a department cannot move to another organization');
  }
  if (newParent.id === department.id || newParent.path.includes(department.id)) {
    throw errors.badInput('input.parentId', 'a department cannot move under itself or one of its descendants');
  }
  if (newParent.status === 'ARCHIVED') throw errors.badInput('input.parentId', 'the new parent department is archived');
  if (depthOf(newParent) + subtreeHeight > MAX_DEPARTMENT_DEPTH) {
    throw errors.badInput('input.parentId', `the move would nest departments deeper than ${MAX_DEPARTMENT_DEPTH} levels`);
  }
}
