import 'reflect-metadata';
import { runService } from '../../infrastructure/modules/run-service';
import { startTracing, tracingModule } from '../../infrastructure/tracing/tracing';
import { identityModules } from './identity-subgraph';

/** `npm run start:identity`: the identity subgraph as its own process, on the PostgreSQL at IDENTITY_DATABASE_URL. */
void runService('identity', (config) => [tracingModule(startTracing(config, 'identity')), ...identityModules({ embeddedTenancy: false })]);
