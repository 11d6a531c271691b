import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { SystemSubgraphClient } from '../../../infrastructure/graphql/system-subgraph-client';

export interface TenantSummary {
  id: string;
  slug: string;
  status: 'ACTIVE' | 'SUSPENDED';
}

/**
 * Identity asks tenancy, the owner of tenants, whenever it needs one (sign-in by slug, creating a user in a
 * tenant). It calls the tenancy subgraph with a SYSTEM context it signs itself, as the gateway would.
 */
export class TenantDirectory {
  private readonly tenancy: SystemSubgraphClient;

  constructor(tenancyGraphqlUrl: () => string, contextSecret: string) {
    this.tenancy = new SystemSubgraphClient({
      service: 'tenancy',
      graphqlUrl: tenancyGraphqlUrl,
      contextSecret,
      caller: 'identity',
      permissions: [PERMISSIONS.tenantReadAny],
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
}
