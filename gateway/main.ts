import 'reflect-metadata';
import { runService } from '../infrastructure/modules/run-service';
import { gatewayModule } from './gateway-module';

/** `npm run start:gateway`: the gateway alone, reaching subgraphs at IDENTITY_URL, TENANCY_URL and AUDIT_URL. */
void runService('gateway', () => [gatewayModule({ embeddedSubgraphs: false })]);
