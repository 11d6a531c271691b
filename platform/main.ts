import 'reflect-metadata';
import { withEmbeddedSecrets } from '../infrastructure/config/embedded-secrets';
import { runService } from '../infrastructure/modules/run-service';
import { gatewayModule } from '../gateway/gateway-module';
import { auditModules } from '../subgraphs/audit/audit-subgraph';
import { identityModules } from '../subgraphs/identity/identity-subgraph';
import { tenancyModules } from '../subgraphs/tenancy/tenancy-subgraph';

/** `npm start`: the whole platform in one process, each subgraph on its own loopback port and database. */
void runService(
  'platform',
  () => [...tenancyModules(), ...identityModules({ embeddedTenancy: true }), ...auditModules({ embeddedTenancy: true }), gatewayModule({ embeddedSubgraphs: true })],
  withEmbeddedSecrets,
);
