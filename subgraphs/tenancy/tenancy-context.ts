import type { SubgraphContextBase } from '../../infrastructure/graphql/subgraph-server';
import type { ConfigurationService } from './service/configuration-service';
import type { DepartmentService } from './service/department-service';
import type { OrganizationService } from './service/organization-service';
import type { TenantService } from './service/tenant-service';

export interface TenancyContext extends SubgraphContextBase {
  tenants: TenantService;
  organizations: OrganizationService;
  departments: DepartmentService;
  configuration: ConfigurationService;
}
