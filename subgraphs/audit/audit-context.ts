import type { SubgraphContextBase } from '../../infrastructure/graphql/subgraph-server';
import type { AuditQueryService } from './service/audit-query-service';
import type { AuditReferences } from './service/audit-references';

export interface AuditContext extends SubgraphContextBase {
  audit: AuditQueryService;
  references: AuditReferences;
}
