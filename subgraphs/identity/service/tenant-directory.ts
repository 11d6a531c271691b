import { randomUUID } from 'node:crypto';
import { PERMISSIONS } from '../../../infrastructure/authorization/permissions';
import { CONTEXT_HEADER, signContext } from '../../../infrastructure/context/signed-context';
import { errors } from '../../../infrastructure/errors/error-codes';

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
  constructor(
    private readonly tenancyGraphqlUrl: () => string,
    private readonly contextSecret: string,
  ) {}

  findById(id: string): Promise<TenantSummary | null> {
    return this.query('query TenantById($id: ID!) { tenant(id: $id) { id slug status } }', { id });
  }

  findBySlug(slug: string): Promise<TenantSummary | null> {
    return this.query('query TenantBySlug($slug: String!) { tenant(slug: $slug) { id slug status } }', { slug });
  }

  private async query(query: string, variables: Record<string, string>): Promise<TenantSummary | null> {
    const context = signContext(
      {
        principal: { kind: 'SYSTEM', subject: 'identity', tenantId: null, roles: [], permissions: [PERMISSIONS.tenantReadAny] },
        requestId: randomUUID(),
        ipAddress: null,
        userAgent: 'lattice-identity',
      },
      this.contextSecret,
    );
    let response: Response;
    try {
      response = await fetch(this.tenancyGraphqlUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: context },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch {
      throw errors.unavailable('the tenancy service is not reachable; try again shortly');
    }
    const body = (await response.json().catch(() => ({}))) as { data?: { tenant: TenantSummary | null }; errors?: unknown[] };
    if (!response.ok || body.errors?.length || !body.data) throw errors.unavailable('the tenancy service could not answer; try again shortly');
    return body.data.tenant;
  }
}
