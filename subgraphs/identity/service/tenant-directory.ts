import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { SystemSubgraphClient } from '../../../infrastructure/graphql/system-subgraph-client';

export interface TenantSummary {
  id: string;
  slug: string;
  status: 'ACTIVE' | 'SUSPENDED';
}

export interface OrganizationSummary {
  id: string;
  tenantId: string;
  status: 'ACTIVE' | 'ARCHIVED';
}

export interface DepartmentSummary extends OrganizationSummary {
  organizationId: string;
}

const DESCENDANT_PAGE = 100;

/**
 * Identity asks tenancy, the owner of tenants, organizations and departments, whenever it needs one (sign-in by
 * slug, placing a user). It calls the tenancy subgraph with a SYSTEM context it signs itself, as the gateway would.
 */
export class TenantDirectory {
  private readonly tenancy: SystemSubgraphClient;

  constructor(tenancyGraphqlUrl: () => string, contextSecret: string) {
    this.tenancy = new SystemSubgraphClient({
      service: 'tenancy',
      graphqlUrl: tenancyGraphqlUrl,
      contextSecret,
      caller: 'identity',
      permissions: [PERMISSIONS.platformAdmin, PERMISSIONS.tenantsRead, PERMISSIONS.organizationsRead],
    });
  }

  async findById(id: string): Promise<TenantSummary | null> {
    const data = await this.tenancy.query<{ tenant: TenantSummary | null }>('query TenantById($id: ID!) { tenant(id: $id) { id slug status } }', { id });
    return data.tenant;
  }

  async findBySlug(slug: string): Promise<TenantSummary | null> {
    const data = await this.tenancy.query<{ tenant: TenantSummary | null }>('query TenantBySlug($slug: String!) { tenant(slug: $slug) { id slug status } }', { slug });
    return data.tenant;
  }

  async findOrganization(id: string): Promise<OrganizationSummary | null> {
    const data = await this.tenancy.query<{ organization: { id: string; status: OrganizationSummary['status']; tenant: { id: string } } | null }>(
      'query Organization($id: ID!) { organization(id: $id) { id status tenant { id } } }',
      { id },
    );
    const o = data.organization;
    return o ? { id: o.id, status: o.status, tenantId: o.tenant.id } : null;
  }

  async findDepartment(id: string): Promise<DepartmentSummary | null> {
    const data = await this.tenancy.query<{
      department: { id: string; status: DepartmentSummary['status']; organization: { id: string; tenant: { id: string } } } | null;
    }>('query Department($id: ID!) { department(id: $id) { id status organization { id tenant { id } } } }', { id });
    const d = data.department;
    return d ? { id: d.id, status: d.status, organizationId: d.organization.id, tenantId: d.organization.tenant.id } : null;
  }

  /** The department and every active department below it. */
  async departmentSubtree(id: string): Promise<string[]> {
    const ids = [id];
    let after: string | null = null;
    for (;;) {
      const data: { department: { descendants: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null } =
        await this.tenancy.query(
          'query Subtree($id: ID!, $first: Int!, $after: String) { department(id: $id) { descendants(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }',
          { id, first: DESCENDANT_PAGE, after },
        );
      if (!data.department) return ids;
      ids.push(...data.department.descendants.edges.map((e) => e.node.id));
      if (!data.department.descendants.pageInfo.hasNextPage) return ids;
      after = data.department.descendants.pageInfo.endCursor;
    }
  }
}
