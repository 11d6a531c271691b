import 'reflect-metadata';
import { withEmbeddedSecrets } from '../infrastructure/config/embedded-secrets';
import { runService } from '../infrastructure/modules/run-service';
import { gatewayModule } from '../gateway/gateway-module';
import { auditModules } from '../subgraphs/audit/audit-subgraph';
import { identityModules } from '../subgraphs/identity/identity-subgraph';
import { tenancyModules } from '../subgraphs/tenancy/tenancy-subgraph';
import { registryModules } from '../schema/registry/registry-module';
import { startTracing, tracingModule } from '../infrastructure/tracing/tracing';

/**
 * `npm start`: the whole platform in one process, each subgraph (and the schema registry) on its own loopback port
 * and database; the gateway serves the registry's supergraph, which the running code's schemas are published to.
 */
void runService(
  'platform',
  (config) => [tracingModule(startTracing(config, 'platform')), ...tenancyModules(), ...identityModules({ embeddedTenancy: true }), ...auditModules({ embeddedTenancy: true }), ...registryModules({ sync: true }), gatewayModule({ embeddedSubgraphs: true })],
  withEmbeddedSecrets,
);
