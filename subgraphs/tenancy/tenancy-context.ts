import type { SubgraphContextBase } from '../../infrastructure/graphql/subgraph-server';
import type { TenantService } from './service/tenant-service';

export interface TenancyContext extends SubgraphContextBase {
  tenants: TenantService;
}
