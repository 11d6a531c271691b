import 'reflect-metadata';
import { runService } from '../../infrastructure/modules/run-service';
import { startTracing, tracingModule } from '../../infrastructure/tracing/tracing';
import { registryModules } from './registry-module';

/** `npm run start:registry`: the schema registry alone, on REGISTRY_DATABASE_URL, reached by gateways at REGISTRY_URL. */
void runService('registry', (config) => [tracingModule(startTracing(config, 'registry')), ...registryModules({ sync: false })]);
