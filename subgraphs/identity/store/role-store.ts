import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { isUniqueViolation } from '../../../infrastructure/database/postgres-errors';
import { returningRows } from '../../../infrastructure/database/returning-rows';
import type { GrantLevel } from '../../../infrastructure/authorization/grants';

export interface CustomRole {
  id: string;
  tenantId: string;
  name: string;
  permissions: string[];
  version: number;
  createdAt: Date;
}

export interface RoleAssignment {
  id: string;
  tenantId: string;
  userId: string;
  /** A custom role's id, or a built-in role's name. */
  roleId: string;
  level: GrantLevel;
  scopeId: string;
  createdAt: Date;
}

interface RoleRow {
  id: string;
  tenant_id: string;
  name: string;
  permissions: string[];
  version: number;
  created_at: Date;
}

interface AssignmentRow {
  id: string;
  tenant_id: string;
  user_id: string;
  role_id: string;
  scope_level: GrantLevel;
  scope_id: string;
  created_at: Date;
}

const ROLE_COLUMNS = 'id, tenant_id, name, permissions, version, created_at';
const ASSIGNMENT_COLUMNS = 'id, tenant_id, user_id, role_id, scope_level, scope_id, created_at';

const toRole = (r: RoleRow): CustomRole => ({ id: r.id, tenantId: r.tenant_id, name: r.name, permissions: r.permissions, version: r.version, createdAt: r.created_at });
const toAssignment = (r: AssignmentRow): RoleAssignment => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  roleId: r.role_id,
  level: r.scope_level,
  scopeId: r.scope_id,
  createdAt: r.created_at,
});

export class DuplicateRoleNameError extends Error {}
export class StaleRoleError extends Error {
  constructor(readonly currentVersion: number | null) {
    super('stale role');
  }
}

/** SQL for custom roles and role assignments; row-level security keeps both inside the scope's tenant. */
export class RoleStore {
  constructor(private readonly db: ScopedDatabase) {}

  async rolesByIds(ids: readonly string[]): Promise<CustomRole[]> {
    const uuids = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
    if (uuids.length === 0) return [];
    return (await this.db.query<RoleRow[]>(`SELECT ${ROLE_COLUMNS} FROM roles WHERE id = ANY($1::uuid[])`, [uuids])).map(toRole);
  }

  async listRoles(tenantId: string, afterId: string | null, limit: number): Promise<CustomRole[]> {
    const rows = await this.db.query<RoleRow[]>(
      `SELECT ${ROLE_COLUMNS} FROM roles WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [tenantId, afterId, limit],
    );
    return rows.map(toRole);
  }

  async insertRole(role: CustomRole): Promise<void> {
    await this.unique(() =>
      this.db.query(`INSERT INTO roles (id, tenant_id, name, permissions, version, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5)`, [
        role.id,
        role.tenantId,
        role.name,
        role.permissions,
        role.createdAt,
      ]),
    );
  }

  /** Changes name and/or permissions at `expectedVersion` (any version when null). */
  async updateRole(id: string, changes: { name?: string; permissions?: string[] }, expectedVersion: number | null): Promise<CustomRole> {
    return this.unique(() =>
      this.db.run(async (manager) => {
        const rows = await returningRows<RoleRow>(
          manager,
          `UPDATE roles SET name = coalesce($2, name), permissions = coalesce($3, permissions), version = version + 1, updated_at = now()
            WHERE id = $1 AND ($4::int IS NULL OR version = $4) RETURNING ${ROLE_COLUMNS}`,
          [id, changes.name ?? null, changes.permissions ?? null, expectedVersion],
        );
        if (rows[0]) return toRole(rows[0]);
        const [current] = await manager.query<{ version: number }[]>(`SELECT version FROM roles WHERE id = $1`, [id]);
        throw new StaleRoleError(current?.version ?? null);
      }),
    );
  }

  /**
   * Deletes a role nobody holds. The role row is locked first, and assignRole locks it too, so a concurrent
   * assignment cannot slip in between the check and the delete. 'in-use' with the holder count otherwise.
   */
  async deleteRoleIfUnused(id: string): Promise<{ deleted: CustomRole } | { inUse: number } | null> {
    return this.db.run(async (manager) => {
      const [row] = await manager.query<RoleRow[]>(`SELECT ${ROLE_COLUMNS} FROM roles WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) return null;
      const [usage] = await manager.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM role_assignments WHERE role_id = $1`, [id]);
      if (usage && usage.n > 0) return { inUse: usage.n };
      await manager.query(`DELETE FROM roles WHERE id = $1`, [id]);
      return { deleted: toRole(row) };
    });
  }

  /**
   * Records the assignment (idempotent: an existing identical one is returned). For a custom role the role row
   * is share-locked, so it cannot be deleted meanwhile; null when that role is gone.
   */
  async assign(assignment: RoleAssignment, customRole: boolean): Promise<RoleAssignment | null> {
    return this.db.run(async (manager) => {
      if (customRole) {
        const [role] = await manager.query<{ id: string }[]>(`SELECT id FROM roles WHERE id = $1 FOR SHARE`, [assignment.roleId]);
        if (!role) return null;
      }
      const inserted = await returningRows<AssignmentRow>(
        manager,
        `INSERT INTO role_assignments (id, tenant_id, user_id, role_id, scope_level, scope_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (user_id, role_id, scope_level, scope_id) DO NOTHING RETURNING ${ASSIGNMENT_COLUMNS}`,
        [assignment.id, assignment.tenantId, assignment.userId, assignment.roleId, assignment.level, assignment.scopeId, assignment.createdAt],
      );
      if (inserted[0]) return toAssignment(inserted[0]);
      const [existing] = await manager.query<AssignmentRow[]>(
        `SELECT ${ASSIGNMENT_COLUMNS} FROM role_assignments WHERE user_id = $1 AND role_id = $2 AND scope_level = $3 AND scope_id = $4`,
        [assignment.userId, assignment.roleId, assignment.level, assignment.scopeId],
      );
      return existing ? toAssignment(existing) : null;
    });
  }

  /** Removes one assignment; false when there was none. */
  async revoke(userId: string, roleId: string, level: GrantLevel, scopeId: string): Promise<boolean> {
    const rows = await this.db.run((manager) =>
      returningRows<{ id: string }>(
        manager,
        `DELETE FROM role_assignments WHERE user_id = $1 AND role_id = $2 AND scope_level = $3 AND scope_id = $4 RETURNING id`,
        [userId, roleId, level, scopeId],
      ),
    );
    return rows.length > 0;
  }

  async assignmentsOf(userIds: readonly string[]): Promise<RoleAssignment[]> {
    const rows = await this.db.query<AssignmentRow[]>(`SELECT ${ASSIGNMENT_COLUMNS} FROM role_assignments WHERE user_id = ANY($1::uuid[]) ORDER BY id`, [userIds]);
    return rows.map(toAssignment);
  }

  private async unique<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateRoleNameError();
      throw error;
    }
  }
}
