import { buildFederatedSchema } from '../../infrastructure/graphql/federated-schema';
import type { InfrastructureModule } from '../../infrastructure/lifecycle';
import { databaseModule, postgresModule } from '../../infrastructure/modules/database-modules';
import { subgraphModule } from '../../infrastructure/modules/subgraph-module';
import type { AuditContext } from './audit-context';
import { AuditEventResolver } from './schema/audit-event.resolver';
import { AuditQueryService } from './service/audit-query-service';
import { AuditRecorder } from './service/audit-recorder';
import { AUDIT_ENTITIES, AUDIT_MIGRATIONS, AuditStore } from './store/audit-store';

export function buildAuditSchema() {
  return buildFederatedSchema([AuditEventResolver]);
}

/**
 * The audit subgraph records every domain event it hears. Until the durable stream consumer lands (events
 * issue), it listens on the live bus, so events published while it is down are not recorded.
 */
export function auditModules(): InfrastructureModule[] {
  return [
    postgresModule('audit'),
    databaseModule('audit', { entities: AUDIT_ENTITIES, migrations: AUDIT_MIGRATIONS }),
    subgraphModule({
      name: 'audit',
      buildSchema: buildAuditSchema,
      start: async ({ dataSource, bus }) => {
        const store = new AuditStore(dataSource);
        const recorder = new AuditRecorder(store);
        const unsubscribe = await bus.subscribe('*', (event) => recorder.record(event));
        return { store, unsubscribe };
      },
      stop: (services) => services.unsubscribe(),
      createContext: (services, request, logger): AuditContext => ({
        request,
        logger,
        audit: new AuditQueryService(services.store, request),
      }),
    }),
  ];
}
