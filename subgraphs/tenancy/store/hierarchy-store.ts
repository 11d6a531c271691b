import type { ScopedDatabase } from '../../../infrastructure/database/scoped-database';
import { isUniqueViolation } from '../../../infrastructure/database/postgres-errors';
import { returningRows } from '../../../infrastructure/database/returning-rows';
import type { Department, Organization } from '../service/hierarchy';

export class DuplicateNameError extends Error {}
/** The row is gone (or was never visible to this transaction). */
export class MissingRowError extends Error {}
/** The row exists but at another version than the caller expected. */
export class StaleVersionError extends Error {
  constructor(readonly currentVersion: number) {
    super(`stale version (current ${currentVersion})`);
  }
}

interface OrganizationRow {
  id: string;
  tenant_id: string;
  name: string;
  archived_at: Date | null;
  version: number;
  created_at: Date;
}

interface DepartmentRow extends OrganizationRow {
  organization_id: string;
  parent_id: string | null;
  path: string[];
}

const toOrganization = (r: OrganizationRow): Organization => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  status: r.archived_at ? 'ARCHIVED' : 'ACTIVE',
  version: r.version,
  createdAt: r.created_at,
});

const toDepartment = (r: DepartmentRow): Department => ({
  ...toOrganization(r),
  organizationId: r.organization_id,
  parentId: r.parent_id,
  path: r.path,
});

const ORG_COLUMNS = 'id, tenant_id, name, archived_at, version, created_at';
const DEPT_COLUMNS = `${ORG_COLUMNS}, organization_id, parent_id, path`;

/** All SQL for organizations and departments. Tree changes run in one transaction each. */
export class HierarchyStore {
  constructor(private readonly db: ScopedDatabase) {}

  async organizationsByIds(ids: readonly string[]): Promise<Organization[]> {
    const rows: OrganizationRow[] = await this.db.query(`SELECT ${ORG_COLUMNS} FROM organizations WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map(toOrganization);
  }

  async listOrganizations(tenantId: string, afterId: string | null, limit: number, includeArchived: boolean): Promise<Organization[]> {
    const rows: OrganizationRow[] = await this.db.query(
      `SELECT ${ORG_COLUMNS} FROM organizations
        WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2) AND ($3 OR archived_at IS NULL)
        ORDER BY id LIMIT $4`,
      [tenantId, afterId, includeArchived, limit],
    );
    return rows.map(toOrganization);
  }

  async insertOrganization(organization: Organization): Promise<void> {
    await this.unique(() =>
      this.db.query(`INSERT INTO organizations (id, tenant_id, name, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`, [
        organization.id,
        organization.tenantId,
        organization.name,
        organization.version,
        organization.createdAt,
      ]),
    );
  }

  async renameOrganization(id: string, name: string, expectedVersion: number): Promise<Organization> {
    const rows = await this.unique(() =>
      this.db.run((manager) =>
        returningRows<OrganizationRow>(
          manager,
          `UPDATE organizations SET name = $2, version = version + 1, updated_at = now()
            WHERE id = $1 AND version = $3 RETURNING ${ORG_COLUMNS}`,
          [id, name, expectedVersion],
        ),
      ),
    );
    if (rows[0]) return toOrganization(rows[0]);
    throw await this.staleOrMissing('organizations', id);
  }

  /** Archives the organization and every active department in it, atomically. */
  async archiveOrganization(id: string, expectedVersion: number | null): Promise<Organization> {
    return this.db.run(async (manager) => {
      const rows = await returningRows<OrganizationRow>(
        manager,
        `UPDATE organizations SET archived_at = now(), version = version + 1, updated_at = now()
          WHERE id = $1 AND archived_at IS NULL AND ($2::int IS NULL OR version = $2) RETURNING ${ORG_COLUMNS}`,
        [id, expectedVersion],
      );
      if (!rows[0]) throw await this.staleOrMissing('organizations', id);
      await manager.query(
        `UPDATE departments SET archived_at = now(), version = version + 1, updated_at = now() WHERE organization_id = $1 AND archived_at IS NULL`,
        [id],
      );
      return toOrganization(rows[0]);
    });
  }

  /** Inside a tree change it joins that transaction (see ScopedDatabase.run). */
  async departmentsByIds(ids: readonly string[]): Promise<Department[]> {
    const rows: DepartmentRow[] = await this.db.query(`SELECT ${DEPT_COLUMNS} FROM departments WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map(toDepartment);
  }

  async listDepartments(
    scope: { organizationId: string } | { parentId: string } | { ancestorId: string },
    afterId: string | null,
    limit: number,
    includeArchived: boolean,
  ): Promise<Department[]> {
    const [condition, value] =
      'organizationId' in scope
        ? ['organization_id = $1', scope.organizationId]
        : 'parentId' in scope
          ? ['parent_id = $1', scope.parentId]
          : ['$1 = ANY(path)', scope.ancestorId];
    const rows: DepartmentRow[] = await this.db.query(
      `SELECT ${DEPT_COLUMNS} FROM departments
        WHERE ${condition} AND ($2::uuid IS NULL OR id > $2) AND ($3 OR archived_at IS NULL)
        ORDER BY id LIMIT $4`,
      [value, afterId, includeArchived, limit],
    );
    return rows.map(toDepartment);
  }

  async insertDepartment(department: Department): Promise<void> {
    await this.unique(() =>
      this.db.query(
        `INSERT INTO departments (id, tenant_id, organization_id, parent_id, path, name, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7, $8, $8)`,
        [department.id, department.tenantId, department.organizationId, department.parentId, department.path, department.name, department.version, department.createdAt],
      ),
    );
  }

  /** How many levels the subtree rooted at `id` spans, itself included. */
  async subtreeHeight(id: string): Promise<number> {
    const [row] = await this.db.query<{ deepest: number; own: number }[]>(
      `SELECT coalesce(max(cardinality(path)), 0) AS deepest, (SELECT cardinality(path) FROM departments WHERE id = $1) AS own
         FROM departments WHERE $1 = ANY(path)`,
      [id],
    );
    // A descendant at path length `deepest` sits (deepest - own) levels below the department itself.
    return row && row.deepest > 0 ? row.deepest - row.own + 1 : 1;
  }

  /**
   * Moves a department and its subtree. `check` runs inside the transaction on locked, fresh rows, so a
   * concurrent move cannot slip a cycle in between the check and the update.
   */
  async moveDepartment(
    id: string,
    newParentId: string | null,
    expectedVersion: number | null,
    check: (department: Department, newParent: Department | null, subtreeHeight: number) => void,
  ): Promise<Department> {
    return this.db.run(async (manager) => {
      const locked: DepartmentRow[] = await manager.query(
        `SELECT ${DEPT_COLUMNS} FROM departments WHERE organization_id = (SELECT organization_id FROM departments WHERE id = $1) ORDER BY id FOR UPDATE`,
        [id],
      );
      const byId = new Map(locked.map((r) => [r.id, toDepartment(r)]));
      const department = byId.get(id);
      if (!department) throw new MissingRowError();
      if (expectedVersion !== null && department.version !== expectedVersion) throw new StaleVersionError(department.version);
      const newParent = newParentId === null ? null : (byId.get(newParentId) ?? (await this.departmentsByIds([newParentId]))[0] ?? null);
      if (newParentId !== null && !newParent) throw new MissingRowError();
      check(department, newParent, await this.subtreeHeight(id));
      const prefix = newParent ? [...newParent.path, newParent.id] : [];
      await manager.query(
        `UPDATE departments SET path = $2::uuid[] || path[array_position(path, $1::uuid):], updated_at = now() WHERE $1 = ANY(path)`,
        [id, prefix],
      );
      const rows = await returningRows<DepartmentRow>(
        manager,
        `UPDATE departments SET parent_id = $2, path = $3::uuid[], version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${DEPT_COLUMNS}`,
        [id, newParentId, prefix],
      );
      return toDepartment(rows[0]!);
    }).catch((error: unknown) => {
      if (isUniqueViolation(error)) throw new DuplicateNameError();
      throw error;
    });
  }

  /** Archives a department and its whole subtree, atomically. */
  async archiveDepartment(id: string, expectedVersion: number | null): Promise<Department> {
    return this.db.run(async (manager) => {
      const rows = await returningRows<DepartmentRow>(
        manager,
        `UPDATE departments SET archived_at = now(), version = version + 1, updated_at = now()
          WHERE id = $1 AND archived_at IS NULL AND ($2::int IS NULL OR version = $2) RETURNING ${DEPT_COLUMNS}`,
        [id, expectedVersion],
      );
      if (!rows[0]) throw await this.staleOrMissing('departments', id);
      await manager.query(
        `UPDATE departments SET archived_at = now(), version = version + 1, updated_at = now() WHERE $1 = ANY(path) AND archived_at IS NULL`,
        [id],
      );
      return toDepartment(rows[0]);
    });
  }

  private async staleOrMissing(table: 'organizations' | 'departments', id: string): Promise<Error> {
    const [row] = await this.db.query<{ version: number }[]>(`SELECT version FROM ${table} WHERE id = $1`, [id]);
    return row ? new StaleVersionError(row.version) : new MissingRowError();
  }

  private async unique<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateNameError();
      throw error;
    }
  }
}
