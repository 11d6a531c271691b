import type DataLoader from 'dataloader';
import type { GrantLevel, ScopedGrant } from '../../../infrastructure/authorization/grants';
import {
  hasPermission,
  isPermission,
  PERMISSIONS,
  PLATFORM_PERMISSIONS,
  requireSignedIn,
  requireTenantAccess,
  type Permission,
} from '../../../infrastructure/authorization/permissions';
import type { RequestContext } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { EventType } from '../../../infrastructure/events/event-types';
import type { RequestEvents } from '../../../infrastructure/events/outbox/request-events';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import { byIdLoader } from '../../../infrastructure/graphql/by-id-loader';
import { parsePageRequest, toPage, type Page } from '../../../infrastructure/graphql/pagination';
import type { Logger } from '../../../infrastructure/logging/logger';
import type { IdentityStore } from '../store/identity-store';
import { DuplicateRoleNameError, StaleRoleError, type CustomRole, type RoleAssignment, type RoleStore } from '../store/role-store';
import { BUILT_IN_ROLES, isRoleName, TENANT_ROLES, type RoleName } from './roles';
import type { TenantDirectory } from './tenant-directory';

export const ROLE_NAME_MAX_LENGTH = 64;

/** A role as callers see it: one of the tenant's custom roles, or a built-in one (its id is its name). */
export interface RoleView {
  id: string;
  name: string;
  permissions: string[];
  builtIn: boolean;
  version: number;
  createdAt: Date | null;
}

export interface AssignmentCommand {
  userId: string;
  roleId: string;
  scope: { level: GrantLevel; id: string };
}

const builtInView = (name: RoleName): RoleView => ({ id: name, name, permissions: [...BUILT_IN_ROLES[name]], builtIn: true, version: 1, createdAt: null });
const customView = (role: CustomRole): RoleView => ({ ...role, builtIn: false, createdAt: role.createdAt });

/**
 * Custom roles and role assignments for one request. Effective permissions are the union over a user's built-in
 * roles and assignments; an assignment at an organization or department counts only inside it (see grants.ts).
 */
export class RoleService {
  private readonly roles: DataLoader<string, CustomRole | null>;

  constructor(
    private readonly store: RoleStore,
    private readonly users: IdentityStore,
    private readonly directory: TenantDirectory,
    private readonly events: RequestEvents,
    private readonly request: RequestContext,
    private readonly logger: Logger,
  ) {
    this.roles = byIdLoader(async (ids) => store.rolesByIds(ids), 'Role');
  }

  private get principal() {
    return this.request.principal;
  }

  /** The built-in roles a tenant can hand out. */
  builtIn(): RoleView[] {
    return TENANT_ROLES.map(builtInView);
  }

  async list(args: { tenantId?: string | null; first?: number | null; after?: string | null }): Promise<Page<RoleView>> {
    const page = parsePageRequest(args.first, args.after);
    const tenantId = this.tenantOf(args.tenantId);
    requireTenantAccess(this.principal, tenantId, PERMISSIONS.rolesRead);
    const rows = await this.store.listRoles(tenantId, page.afterKey, page.limit + 1);
    return toPage(rows, page, (r) => r.id, customView);
  }

  async create(input: { tenantId?: string | null; name: string; permissions: string[] }): Promise<RoleView> {
    const tenantId = this.tenantOf(input.tenantId);
    requireTenantAccess(this.principal, tenantId, PERMISSIONS.rolesWrite);
    const name = this.validateName(input.name);
    const permissions = this.grantable('input.permissions', input.permissions);
    const role: CustomRole = { id: uuid7(), tenantId, name, permissions, version: 1, createdAt: new Date() };
    try {
      await this.events.transaction(async () => {
        await this.store.insertRole(role);
        await this.record('identity.role.created', 'Role', role.tenantId, role.id, { name, permissions });
      });
    } catch (error) {
      if (error instanceof DuplicateRoleNameError) throw errors.conflict(`a role named ${JSON.stringify(name)} already exists in this tenant`);
      throw error;
    }
    return customView(role);
  }

  async update(input: { id: string; name?: string | null; permissions?: string[] | null; expectedVersion?: number | null }): Promise<RoleView> {
    const role = await this.customRole(input.id);
    requireTenantAccess(this.principal, role.tenantId, PERMISSIONS.rolesWrite);
    const changes: { name?: string; permissions?: string[] } = {};
    if (input.name !== undefined && input.name !== null) changes.name = this.validateName(input.name);
    if (input.permissions) changes.permissions = this.grantable('input.permissions', input.permissions);
    if (!changes.name && !changes.permissions) throw errors.badInput('input', 'nothing to change: give name or permissions');
    try {
      const updated = await this.events.transaction(async () => {
        const row = await this.store.updateRole(role.id, changes, input.expectedVersion ?? null);
        await this.record('identity.role.updated', 'Role', row.tenantId, row.id, { name: row.name, permissions: row.permissions });
        return row;
      });
      return customView(updated);
    } catch (error) {
      if (error instanceof DuplicateRoleNameError) throw errors.conflict(`a role named ${JSON.stringify(changes.name)} already exists in this tenant`);
      if (error instanceof StaleRoleError) {
        if (error.currentVersion === null) throw errors.notFound('role', role.id);
        throw errors.conflict(`role ${JSON.stringify(role.id)} is at version ${error.currentVersion}, not ${input.expectedVersion}; reload it and retry`);
      }
      throw error;
    }
  }

  /** Deletes a custom role; CONFLICT while anyone holds it. */
  async delete(id: string): Promise<boolean> {
    const role = await this.customRole(id);
    requireTenantAccess(this.principal, role.tenantId, PERMISSIONS.rolesWrite);
    const outcome = await this.events.transaction(async () => {
      const deleted = await this.store.deleteRoleIfUnused(role.id);
      if (deleted && !('inUse' in deleted)) await this.record('identity.role.deleted', 'Role', role.tenantId, role.id, { name: role.name });
      return deleted;
    });
    if (!outcome) throw errors.notFound('role', id);
    if ('inUse' in outcome) throw errors.conflict(`role ${JSON.stringify(role.name)} is assigned ${outcome.inUse} time(s); revoke those assignments first`);
    return true;
  }

  async assign(input: AssignmentCommand): Promise<RoleAssignment> {
    const { user, role } = await this.checkAssignment(input);
    // Nobody hands out more than they hold: every permission of the role must be the granter's own.
    const lacking = role.permissions.filter((p) => !hasPermission(this.principal, p as Permission));
    if (lacking.length > 0) throw errors.forbidden(`you cannot grant ${lacking.join(', ')}: you do not hold ${lacking.length === 1 ? 'it' : 'them'} yourself`);
    const assignment = await this.events.transaction(async () => {
      const assigned = await this.store.assign(
        { id: uuid7(), tenantId: user.tenantId, userId: user.id, roleId: role.id, level: input.scope.level, scopeId: input.scope.id, createdAt: new Date() },
        !role.builtIn,
      );
      if (assigned) await this.record('identity.role.assigned', 'User', user.tenantId, user.id, { roleId: role.id, level: input.scope.level, scopeId: input.scope.id });
      return assigned;
    });
    if (!assignment) throw errors.notFound('role', input.roleId);
    this.logger.info('role assigned', { userId: user.id, roleId: role.id, level: input.scope.level });
    return assignment;
  }

  async revoke(input: AssignmentCommand): Promise<boolean> {
    const { user, role } = await this.checkAssignment(input);
    return this.events.transaction(async () => {
      const revoked = await this.store.revoke(user.id, role.id, input.scope.level, input.scope.id);
      if (revoked) await this.record('identity.role.revoked', 'User', user.tenantId, user.id, { roleId: role.id, level: input.scope.level, scopeId: input.scope.id });
      return revoked;
    });
  }

  /** `User.roleAssignments`: visible to the user themself and to holders of roles:read in the user's tenant. */
  async assignmentsOf(user: { id: string; tenantId: string | null }): Promise<(RoleAssignment & { role: RoleView })[]> {
    requireSignedIn(this.principal);
    if (user.id !== this.principal.subject) requireTenantAccess(this.principal, user.tenantId, PERMISSIONS.rolesRead);
    return this.resolved(await this.store.assignmentsOf([user.id]));
  }

  /** `User.permissions`: every permission the user holds somewhere (built-in roles and every assignment). */
  async permissionsOf(user: { id: string; tenantId: string | null; roles: readonly string[] }): Promise<string[]> {
    requireSignedIn(this.principal);
    if (user.id !== this.principal.subject) requireTenantAccess(this.principal, user.tenantId, PERMISSIONS.usersRead);
    const all = new Set<string>(user.roles.filter(isRoleName).flatMap((r) => BUILT_IN_ROLES[r]));
    for (const assignment of await this.resolved(await this.store.assignmentsOf([user.id]))) for (const p of assignment.role.permissions) all.add(p);
    return [...all].sort();
  }

  private async resolved(assignments: RoleAssignment[]): Promise<(RoleAssignment & { role: RoleView })[]> {
    const out: (RoleAssignment & { role: RoleView })[] = [];
    for (const assignment of assignments) {
      const role = await this.roleView(assignment.roleId);
      if (role) out.push({ ...assignment, role });
    }
    return out;
  }

  private async checkAssignment(input: AssignmentCommand): Promise<{ user: { id: string; tenantId: string }; role: RoleView }> {
    requireSignedIn(this.principal);
    const [row] = await this.users.findUsersByIds([input.userId]);
    const visible = row && row.tenantId !== null && row.status !== 'DELETED' && (hasPermission(this.principal, PERMISSIONS.platformAdmin) || row.tenantId === this.principal.tenantId);
    if (!row || !visible || row.tenantId === null) throw errors.notFound('user', input.userId);
    const tenantId = row.tenantId;
    requireTenantAccess(this.principal, tenantId, PERMISSIONS.rolesWrite);
    const role = await this.roleView(input.roleId);
    if (!role || (!role.builtIn && (await this.roles.load(role.id))?.tenantId !== tenantId)) throw errors.notFound('role', input.roleId);
    await this.checkScope(tenantId, input.scope);
    return { user: { id: row.id, tenantId }, role };
  }

  /** The scope must be the user's tenant, or a live organization or department of it (another's is NOT_FOUND). */
  private async checkScope(tenantId: string, scope: { level: GrantLevel; id: string }): Promise<void> {
    if (scope.level === 'TENANT') {
      if (scope.id !== tenantId) throw errors.forbidden('cross-tenant access is not allowed: a TENANT scope must be the user’s own tenant');
      return;
    }
    const unit = scope.level === 'ORGANIZATION' ? await this.directory.findOrganization(scope.id) : await this.directory.findDepartment(scope.id);
    const what = scope.level === 'ORGANIZATION' ? 'organization' : 'department';
    if (!unit || unit.tenantId !== tenantId) throw errors.notFound(what, scope.id);
    if (unit.status !== 'ACTIVE') throw errors.badInput('input.scope.id', `the ${what} is archived`);
  }

  private async roleView(id: string): Promise<RoleView | null> {
    if (isRoleName(id)) return TENANT_ROLES.includes(id) ? builtInView(id) : null;
    const role = await this.roles.load(id);
    return role ? customView(role) : null;
  }

  /** A custom role the caller can see; built-in roles cannot be changed, others' are NOT_FOUND. */
  private async customRole(id: string): Promise<CustomRole> {
    requireSignedIn(this.principal);
    if (isRoleName(id)) throw errors.badInput('input.id', `${JSON.stringify(id)} is a built-in role and cannot be changed`);
    const role = await this.roles.load(id);
    if (!role || (!hasPermission(this.principal, PERMISSIONS.platformAdmin) && role.tenantId !== this.principal.tenantId)) throw errors.notFound('role', id);
    return role;
  }

  private tenantOf(named: string | null | undefined): string {
    requireSignedIn(this.principal);
    const tenantId = named ?? this.principal.tenantId;
    if (!tenantId) throw errors.badInput('tenantId', 'platform users must name the tenant');
    return tenantId;
  }

  private validateName(raw: string): string {
    const name = raw.trim();
    if (name.length < 1 || name.length > ROLE_NAME_MAX_LENGTH) throw errors.badInput('input.name', `must be 1 to ${ROLE_NAME_MAX_LENGTH} characters after trimming (got ${name.length})`);
    if (isRoleName(name.toLowerCase())) throw errors.badInput('input.name', `${JSON.stringify(name)} is the name of a built-in role`);
    return name;
  }

  /** Registered, tenant-grantable permissions that the caller holds themself; sorted and without repeats. */
  private grantable(field: string, requested: readonly string[]): string[] {
    const permissions = [...new Set(requested)].sort();
    if (permissions.length === 0) throw errors.badInput(field, 'give at least one permission');
    const unknown = permissions.filter((p) => !isPermission(p));
    if (unknown.length > 0) throw errors.badInput(field, `not registered permissions: ${unknown.join(', ')}`);
    const platformOnly = permissions.filter((p) => (PLATFORM_PERMISSIONS as readonly string[]).includes(p));
    if (platformOnly.length > 0) throw errors.badInput(field, `platform-only permissions cannot be part of a tenant's role: ${platformOnly.join(', ')}`);
    const lacking = permissions.filter((p) => !hasPermission(this.principal, p as Permission));
    if (lacking.length > 0) throw errors.forbidden(`you cannot grant ${lacking.join(', ')}: you do not hold ${lacking.length === 1 ? 'it' : 'them'} yourself`);
    return permissions;
  }

  private async record(type: EventType, aggregateType: 'Role' | 'User', tenantId: string, aggregateId: string, data: Record<string, unknown>): Promise<void> {
    await this.events.record({ type, aggregateType, aggregateId, tenantId, data });
  }

}

/**
 * The grants an access token carries for `assignments`: TENANT-level permissions join the token's tenant-wide
 * `perms`; organization and department ones stay scoped.
 */
export function grantsFrom(assignments: readonly RoleAssignment[], customRoles: ReadonlyMap<string, CustomRole>): { tenantWide: string[]; scoped: ScopedGrant[] } {
  const tenantWide = new Set<string>();
  const scoped = new Map<string, ScopedGrant>();
  for (const assignment of assignments) {
    const permissions = isRoleName(assignment.roleId) ? [...BUILT_IN_ROLES[assignment.roleId]] : (customRoles.get(assignment.roleId)?.permissions ?? []);
    if (assignment.level === 'TENANT') {
      for (const p of permissions) tenantWide.add(p);
      continue;
    }
    const key = `${assignment.level}:${assignment.scopeId}`;
    const grant = scoped.get(key) ?? { level: assignment.level, id: assignment.scopeId, permissions: [] };
    grant.permissions = [...new Set([...grant.permissions, ...permissions])].sort();
    scoped.set(key, grant);
  }
  return { tenantWide: [...tenantWide].sort(), scoped: [...scoped.values()] };
}
