import 'reflect-metadata';
import { runService } from '../../infrastructure/modules/run-service';
import { startTracing, tracingModule } from '../../infrastructure/tracing/tracing';
import { tenancyModules } from './tenancy-subgraph';

/** `npm run start:tenancy`: the tenancy subgraph as its own process, on the PostgreSQL at TENANCY_DATABASE_URL. */
void runService('tenancy', (config) => [tracingModule(startTracing(config, 'tenancy')), ...tenancyModules()]);
