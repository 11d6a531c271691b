import type { SubgraphContextBase } from '../../infrastructure/graphql/subgraph-server';
import type { AuthenticationService } from './service/authentication-service';
import type { UserService } from './service/user-service';

export interface IdentityContext extends SubgraphContextBase {
  users: UserService;
  authentication: AuthenticationService;
}
