import { hasPermissionAt, scopedGrantsFor } from '../../../infrastructure/authorization/grants';
import { PERMISSIONS, requirePermission, requireSignedIn, requireTenantAccess, type Permission } from '../../../infrastructure/authorization/permissions';
import type { Principal } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';
import type { ConfigurationLevel } from './configuration';
import type { DepartmentService } from './department-service';
import { HierarchyAccess } from './hierarchy-access';
import type { OrganizationService } from './organization-service';
import type { ScopeAncestry, ScopeLevel, ScopeOwner } from './scope-ancestry';
import { TENANT_ID_PATTERN } from './tenant';
import type { TenantService } from './tenant-service';

/** A level and the object at it, as a caller names it (`id` omitted for GLOBAL). */
export interface ScopeInput {
  level: ConfigurationLevel;
  id?: string | null;
}

/** A scope the caller may use, with the tenant it belongs to (null for GLOBAL). */
export interface ResolvedScope {
  level: ConfigurationLevel;
  scopeId: string | null;
  tenantId: string | null;
}

type Access = 'read' | 'write';

const GLOBAL: ResolvedScope = { level: 'GLOBAL', scopeId: null, tenantId: null };
const tenantAndGlobal = (tenantId: string): ResolvedScope[] => [{ level: 'TENANT', scopeId: tenantId, tenantId }, GLOBAL];
const NOUN: Record<ScopeLevel, string> = { TENANT: 'tenant', ORGANIZATION: 'organization', DEPARTMENT: 'department' };

/**
 * Which scopes a request may read or write configuration at, following the platform's one refusal rule:
 * an organization or department that is unknown or not yours is NOT_FOUND (the same words either way); a tenant
 * that is not yours is FORBIDDEN whether or not it exists; a visible scope without the permission is FORBIDDEN.
 * Reading needs config:read in the scope's tenant, writing config:write (GLOBAL: platform:admin); holders of
 * platform:admin may read and write every tenant's configuration.
 */
export class ConfigurationScopes {
  private readonly hierarchy: HierarchyAccess;

  constructor(
    private readonly principal: Principal,
    private readonly ancestry: ScopeAncestry,
    private readonly lookups: { tenants: TenantService; organizations: OrganizationService; departments: DepartmentService },
  ) {
    this.hierarchy = new HierarchyAccess(principal);
  }

  /** The scope a write names. `field` is where it sits in the input, for error messages. */
  async forWrite(scope: ScopeInput, field: string): Promise<ResolvedScope> {
    return this.resolve(scope, field, 'write');
  }

  async forRead(scope: ScopeInput, field: string): Promise<ResolvedScope> {
    return this.resolve(scope, field, 'read');
  }

  /**
   * The scopes `effectiveConfiguration` looks in, narrowest first: the named department, organization or tenant
   * and every level above it. Naming none means the caller's tenant, or GLOBAL alone for platform users.
   */
  async chain(args: { departmentId?: string | null; organizationId?: string | null; tenantId?: string | null }): Promise<ResolvedScope[]> {
    requireSignedIn(this.principal);
    const named = (['departmentId', 'organizationId', 'tenantId'] as const).filter((name) => args[name] != null);
    if (named.length > 1) throw errors.badInput(named.join(', '), 'pass at most one of departmentId, organizationId and tenantId');
    if (args.departmentId != null) {
      const department = await this.owner('DEPARTMENT', args.departmentId, 'read');
      this.authorize(department.tenantId, 'read');
      return [
        { level: 'DEPARTMENT', scopeId: department.id, tenantId: department.tenantId },
        { level: 'ORGANIZATION', scopeId: department.organizationId, tenantId: department.tenantId },
        ...tenantAndGlobal(department.tenantId),
      ];
    }
    if (args.organizationId != null) {
      const organization = await this.owner('ORGANIZATION', args.organizationId, 'read');
      this.authorize(organization.tenantId, 'read');
      return [{ level: 'ORGANIZATION', scopeId: organization.id, tenantId: organization.tenantId }, ...tenantAndGlobal(organization.tenantId)];
    }
    const tenantId = args.tenantId ?? this.principal.tenantId;
    if (tenantId === null) {
      requirePermission(this.principal, PERMISSIONS.configRead);
      return [GLOBAL];
    }
    await this.owner('TENANT', tenantId, 'read');
    return tenantAndGlobal(tenantId);
  }

  private async resolve(scope: ScopeInput, field: string, access: Access): Promise<ResolvedScope> {
    requireSignedIn(this.principal);
    const id = scope.id ?? null;
    if (scope.level === 'GLOBAL') {
      if (id !== null) throw errors.badInput(`${field}.id`, 'must be omitted for GLOBAL');
      requirePermission(this.principal, access === 'write' ? PERMISSIONS.platformAdmin : PERMISSIONS.configRead);
      return GLOBAL;
    }
    if (id === null) throw errors.badInput(`${field}.id`, `is required for ${scope.level}`);
    const owner = await this.owner(scope.level, id, access);
    if (access === 'write' && scope.level !== 'TENANT') await this.authorizeWriteAt(scope.level, owner);
    else this.authorize(owner.tenantId, access);
    return { level: scope.level, scopeId: owner.id, tenantId: owner.tenantId };
  }

  /** The object, if it exists and the caller may see it: from memory when known, else through the request's loaders. */
  private async owner(level: ScopeLevel, id: string, access: Access): Promise<ScopeOwner> {
    if (level === 'TENANT') {
      // Naming a tenant: FORBIDDEN unless it is yours (or you hold platform:admin), before anything reveals whether it exists.
      this.authorize(id, access);
    } else if (!TENANT_ID_PATTERN.test(id)) {
      throw errors.notFound(NOUN[level], id.slice(0, 80));
    }
    const known = this.ancestry.get(level, id);
    if (known) return level === 'TENANT' ? known : this.hierarchy.visible(known, NOUN[level], id);
    const owner = await this.load(level, id);
    this.ancestry.remember(level, owner);
    return owner;
  }

  private async load(level: ScopeLevel, id: string): Promise<ScopeOwner> {
    switch (level) {
      case 'TENANT': {
        const tenant = TENANT_ID_PATTERN.test(id) ? await this.lookups.tenants.find({ id }) : null;
        if (!tenant) throw errors.notFound('tenant', id.slice(0, 80));
        return { id: tenant.id, tenantId: tenant.id, organizationId: null };
      }
      case 'ORGANIZATION': {
        const organization = await this.lookups.organizations.find(id);
        return { id: organization.id, tenantId: organization.tenantId, organizationId: null };
      }
      case 'DEPARTMENT': {
        const department = await this.lookups.departments.find(id);
        return { id: department.id, tenantId: department.tenantId, organizationId: department.organizationId };
      }
    }
  }

  /**
   * Writing an organization's or department's value needs config:write across the tenant, or through a role
   * assigned at that organization or at the department or one of its ancestors.
   */
  private async authorizeWriteAt(level: 'ORGANIZATION' | 'DEPARTMENT', owner: ScopeOwner): Promise<void> {
    if (hasPermissionAt(this.principal, PERMISSIONS.configWrite, { tenantId: owner.tenantId }) || scopedGrantsFor(this.principal, PERMISSIONS.configWrite).length === 0) {
      this.authorize(owner.tenantId, 'write');
      return;
    }
    // Departments move, so their ancestry is read fresh rather than from the replica's memory.
    const target =
      level === 'ORGANIZATION'
        ? { tenantId: owner.tenantId, organizationId: owner.id }
        : await this.lookups.departments.find(owner.id).then((d) => ({ tenantId: d.tenantId, organizationId: d.organizationId, departmentPath: [...d.path, d.id] }));
    if (!hasPermissionAt(this.principal, PERMISSIONS.configWrite, target)) this.authorize(owner.tenantId, 'write');
  }

  private authorize(tenantId: string, access: Access): void {
    const permission: Permission = access === 'write' ? PERMISSIONS.configWrite : PERMISSIONS.configRead;
    requireTenantAccess(this.principal, tenantId, permission);
  }
}
