import { isApiKeyToken } from '../../infrastructure/authorization/api-key';
import type { Principal } from '../../infrastructure/context/request-context';
import type { AccessTokenVerifier } from './access-token-verifier';
import type { ApiKeyAuthenticator } from './api-key-authenticator';
import type { CredentialVerifier } from './authenticate-request';

/** The gateway's bearer-credential check: `lat_…` is an API key, anything else an access token. */
export class BearerCredentialVerifier implements CredentialVerifier {
  constructor(
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly accessTokens: AccessTokenVerifier,
  ) {}

  verify(token: string): Promise<Principal> {
    return isApiKeyToken(token) ? this.apiKeys.authenticate(token) : this.accessTokens.verify(token);
  }
}
