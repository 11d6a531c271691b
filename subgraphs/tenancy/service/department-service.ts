import type { EventType } from '../../../infrastructure/events/event-types';
import type DataLoader from 'dataloader';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { byIdLoader } from '../../../infrastructure/graphql/by-id-loader';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import { DuplicateNameError, type HierarchyStore } from '../store/hierarchy-store';
import { HierarchyAccess } from './hierarchy-access';
import { checkMove, checkNewChild, validateHierarchyName, type Department } from './hierarchy';
import { versionedWriteError, type OrganizationService } from './organization-service';
import type { TenancyEvents } from './tenancy-events';

const duplicateName = (name: string) =>
  errors.conflict(`an active department named ${JSON.stringify(name)} already exists at that place in the organization`);

export class DepartmentService {
  readonly byId: DataLoader<string, Department | null>;
  private readonly access: HierarchyAccess;

  constructor(
    private readonly store: HierarchyStore,
    private readonly organizations: OrganizationService,
    private readonly events: TenancyEvents,
    request: RequestContext,
  ) {
    this.byId = byIdLoader((ids) => store.departmentsByIds(ids), 'Department');
    this.access = new HierarchyAccess(request.principal);
  }

  async find(id: string, field = 'department'): Promise<Department> {
    return this.access.visible(await this.byId.load(id), field, id);
  }

  /** Entity reference from another subgraph (`User.department`): like find, but one the caller may not see is null, never an error. */
  async resolveReference(id: string): Promise<Department | null> {
    return this.access.visibleOrNull(await this.byId.load(id));
  }

  async list(args: { organizationId: string; first?: number | null; after?: string | null; includeArchived?: boolean | null }): Promise<Page<Department>> {
    const page = parsePageRequest(args.first, args.after);
    await this.organizations.find(args.organizationId);
    const rows = await this.store.listDepartments({ organizationId: args.organizationId }, page.afterKey, page.limit + 1, args.includeArchived ?? false);
    return toPage(rows, page, (d) => d.id, (d) => d);
  }

  /** Every active department below this one, at any depth. */
  async descendants(ancestorId: string, args: { first?: number | null; after?: string | null }): Promise<Page<Department>> {
    const page = parsePageRequest(args.first, args.after);
    await this.find(ancestorId);
    const rows = await this.store.listDepartments({ ancestorId }, page.afterKey, page.limit + 1, false);
    return toPage(rows, page, (d) => d.id, (d) => d);
  }

  /** Active direct children of a department the caller can already see. */
  async children(parentId: string, args: { first?: number | null; after?: string | null }): Promise<Page<Department>> {
    const page = parsePageRequest(args.first, args.after);
    await this.find(parentId);
    const rows = await this.store.listDepartments({ parentId }, page.afterKey, page.limit + 1, false);
    return toPage(rows, page, (d) => d.id, (d) => d);
  }

  async create(input: { organizationId: string; name: string; parentId?: string | null }): Promise<Department> {
    const organization = await this.organizations.find(input.organizationId);
    const parent = input.parentId ? await this.find(input.parentId, 'parent department') : null;
    // A role at a department lets its holder add departments below it; at the organization, anywhere in it.
    this.access.requireWrite(parent ? targetOf(parent) : { tenantId: organization.tenantId, organizationId: organization.id });
    const name = validateHierarchyName('input.name', input.name);
    checkNewChild(organization, parent);
    const department: Department = {
      id: uuid7(),
      tenantId: organization.tenantId,
      organizationId: organization.id,
      parentId: parent?.id ?? null,
      path: parent ? [...parent.path, parent.id] : [],
      name,
      status: 'ACTIVE',
      version: 1,
      createdAt: new Date(),
    };
    try {
      await this.events.transaction(async () => {
        await this.store.insertDepartment(department);
        await this.record('tenancy.department.created', department);
      });
    } catch (error) {
      if (error instanceof DuplicateNameError) throw duplicateName(name);
      throw error;
    }
    return department;
  }

  /** Moves a department (and its subtree) under another parent in the same organization, or to its top. */
  async move(input: { id: string; parentId?: string | null; expectedVersion?: number | null }): Promise<Department> {
    const current = await this.find(input.id);
    this.access.requireWrite(targetOf(current));
    // The new parent must be visible to the caller (someone else's department is NOT_FOUND, not a hint), and the
    // caller must be allowed to write there too.
    const newParent = input.parentId ? await this.find(input.parentId, 'parent department') : null;
    this.access.requireWrite(newParent ? targetOf(newParent) : { tenantId: current.tenantId, organizationId: current.organizationId });
    let moved: Department;
    try {
      moved = await this.events.transaction(async () => {
        const row = await this.store.moveDepartment(input.id, input.parentId ?? null, input.expectedVersion ?? null, checkMove);
        await this.record('tenancy.department.moved', row);
        return row;
      });
    } catch (error) {
      if (error instanceof DuplicateNameError) throw duplicateName(current.name);
      throw versionedWriteError(error, 'department', input.id, input.expectedVersion ?? null);
    }
    return moved;
  }

  /** Archives the department and its whole subtree. Archiving an archived one changes nothing. */
  async archive(input: { id: string; expectedVersion?: number | null }): Promise<Department> {
    const current = await this.find(input.id);
    this.access.requireWrite(targetOf(current));
    if (current.status === 'ARCHIVED') return current;
    let archived: Department;
    try {
      archived = await this.events.transaction(async () => {
        const row = await this.store.archiveDepartment(input.id, input.expectedVersion ?? null);
        await this.record('tenancy.department.archived', row);
        return row;
      });
    } catch (error) {
      throw versionedWriteError(error, 'department', input.id, input.expectedVersion ?? null);
    }
    return archived;
  }

  private record(type: EventType, department: Department): Promise<void> {
    return this.events.record(type, { type: 'Department', ...department }, {
      name: department.name,
      organizationId: department.organizationId,
      parentId: department.parentId,
      status: department.status,
    });
  }
}

/** Where a department sits, for scoped permission checks: its organization and its ancestry, itself included. */
function targetOf(department: Department): { tenantId: string; organizationId: string; departmentPath: string[] } {
  return { tenantId: department.tenantId, organizationId: department.organizationId, departmentPath: [...department.path, department.id] };
}
