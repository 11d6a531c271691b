import 'reflect-metadata';
import { runService } from '../../infrastructure/modules/run-service';
import { identityModules } from './identity-subgraph';

/** `npm run start:identity`: the identity subgraph as its own process, on the PostgreSQL at IDENTITY_DATABASE_URL. */
void runService('identity', () => identityModules({ embeddedTenancy: false }));
