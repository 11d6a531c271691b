import { hasPermission, PERMISSIONS, requireSignedIn, requireTenantAccess } from '../../../infrastructure/authorization/permissions';
import { hasPermissionAt, type GrantTarget } from '../../../infrastructure/authorization/grants';
import type { Principal } from '../../../infrastructure/context/request-context';
import { errors } from '../../../infrastructure/errors/error-codes';

/**
 * Visibility of organizations and departments. Anything addressed by its own id that the caller may not see is
 * NOT_FOUND, exactly like an id that does not exist, so probing ids reveals nothing about other tenants.
 */
export class HierarchyAccess {
  constructor(private readonly principal: Principal) {}

  canRead(tenantId: string): boolean {
    return (
      hasPermission(this.principal, PERMISSIONS.platformAdmin) ||
      (this.principal.tenantId === tenantId && hasPermission(this.principal, PERMISSIONS.organizationsRead))
    );
  }

  /** The row, if the caller may see it; otherwise null (entity references from other subgraphs). */
  visibleOrNull<T extends { tenantId: string }>(row: T | null): T | null {
    return row && this.canRead(row.tenantId) ? row : null;
  }

  /** The row, if the caller may see it; otherwise NOT_FOUND naming what was asked for. */
  visible<T extends { tenantId: string }>(row: T | null, what: string, id: string): T {
    requireSignedIn(this.principal);
    if (!row || !this.canRead(row.tenantId)) throw errors.notFound(what, id);
    return row;
  }

  /**
   * Writing needs organizations:write where the object is: across its tenant, or through a role assigned at its
   * organization or at one of its departments' ancestors (or platform:admin). A visible object without it is FORBIDDEN.
   */
  requireWrite(target: GrantTarget & { tenantId: string }): void {
    requireSignedIn(this.principal);
    if (hasPermissionAt(this.principal, PERMISSIONS.organizationsWrite, target)) return;
    requireTenantAccess(this.principal, target.tenantId, PERMISSIONS.organizationsWrite);
    throw errors.forbidden(`missing permission ${PERMISSIONS.organizationsWrite} here`);
  }

  /** The tenant a list or create addresses: the caller's own unless another is named (needs platform:admin). */
  targetTenant(named: string | null | undefined, forWrite: boolean): string {
    requireSignedIn(this.principal);
    const tenantId = named ?? this.principal.tenantId;
    if (!tenantId) throw errors.badInput('tenantId', 'platform users must name the tenant');
    if (forWrite) requireTenantAccess(this.principal, tenantId, PERMISSIONS.organizationsWrite);
    else requireTenantAccess(this.principal, tenantId, PERMISSIONS.organizationsRead);
    return tenantId;
  }
}
