import { decodeJwt } from 'jose';
import { isApiKeyToken } from '../../infrastructure/authorization/api-key';
import type { Principal } from '../../infrastructure/context/request-context';
import { LruMap } from '../../infrastructure/cache/lru-map';
import { GATEWAY_DEFAULTS } from '../../infrastructure/config/config';
import { errors } from '../../infrastructure/errors/error-codes';
import type { CredentialVerifier } from './authenticate-request';

/** One kind of bearer credential the gateway accepts, and how to tell it apart from the others before verifying. */
export interface BearerScheme {
  readonly name: string;
  /** Whether this token is this scheme's to verify: by its prefix (`lat_`), or a JWT's unverified `iss`. */
  accepts(token: string, issuer: string | undefined): boolean;
  readonly verifier: CredentialVerifier;
}

/**
 * The gateway's bearer-credential check over the schemes that are on: `lat_…` API keys, identity's access tokens,
 * and tokens of any JWKS (LATTICE_JWKS_URL). The first scheme that accepts a token verifies it; the unverified
 * issuer only picks which key set to check the signature against, it is never trusted by itself.
 */
export class BearerCredentialVerifier implements CredentialVerifier {
  /**
   * Which scheme a token is for depends on its text alone: remembered, so a client that sends the same token for its
   * whole lifetime (and every subscription delivery's recheck) does not decode it again each time.
   */
  private readonly schemeOf = new LruMap<string, BearerScheme>(GATEWAY_DEFAULTS.caches.verifiedTokens);

  constructor(private readonly schemes: readonly BearerScheme[]) {}

  get names(): string[] {
    return this.schemes.map((s) => s.name);
  }

  verify(token: string): Promise<Principal> {
    let scheme = this.schemeOf.get(token);
    if (!scheme) {
      const issuer = isApiKeyToken(token) ? undefined : issuerOf(token);
      scheme = this.schemes.find((s) => s.accepts(token, issuer));
      if (scheme) this.schemeOf.set(token, scheme);
    }
    if (!scheme) return Promise.reject(errors.unauthenticated(isApiKeyToken(token) ? 'API keys are not accepted here' : 'the access token is not valid'));
    return scheme.verifier.verify(token);
  }
}

function issuerOf(token: string): string | undefined {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}
