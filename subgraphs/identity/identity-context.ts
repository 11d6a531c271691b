import type { SubgraphContextBase } from '../../infrastructure/graphql/subgraph-server';
import type { ApiKeyService } from './service/api-key-service';
import type { AuthenticationService } from './service/authentication-service';
import type { RoleService } from './service/role-service';
import type { SessionService } from './service/session-service';
import type { SigningKeyRotations } from './service/signing-key-service';
import type { UserService } from './service/user-service';

export interface IdentityContext extends SubgraphContextBase {
  users: UserService;
  authentication: AuthenticationService;
  sessions: SessionService;
  apiKeys: ApiKeyService;
  signingKeys: SigningKeyRotations;
  roles: RoleService;
}
