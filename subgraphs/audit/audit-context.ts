import type { SubgraphContextBase } from '../../infrastructure/graphql/subgraph-server';
import type { AuditQueryService } from './service/audit-query-service';

export interface AuditContext extends SubgraphContextBase {
  audit: AuditQueryService;
}
