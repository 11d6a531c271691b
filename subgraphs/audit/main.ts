import 'reflect-metadata';
import { runService } from '../../infrastructure/modules/run-service';
import { startTracing, tracingModule } from '../../infrastructure/tracing/tracing';
import { auditModules } from './audit-subgraph';

/** `npm run start:audit`: the audit subgraph as its own process, on the PostgreSQL at AUDIT_DATABASE_URL. */
void runService('audit', (config) => [tracingModule(startTracing(config, 'audit')), ...auditModules()]);
