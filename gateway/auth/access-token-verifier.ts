import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { ACCESS_TOKEN } from '../../infrastructure/authorization/access-token';
import type { Principal } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';


/**
 * Verifies identity's access tokens against the JWKS identity publishes. Only keys fetched from identity are
 * trusted; an unknown `kid` triggers a refetch, at most once per cooldown, so forged kids cannot hammer identity.
 */
export class AccessTokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(jwksUrl: URL, options: { refetchCooldownMs?: number } = {}) {
    this.keys = createRemoteJWKSet(jwksUrl, {
      cooldownDuration: options.refetchCooldownMs ?? 30_000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: ACCESS_TOKEN.issuer,
        audience: ACCESS_TOKEN.audience,
        // Pinning the algorithm rejects `alg: none` and algorithm-confusion tokens outright.
        algorithms: [ACCESS_TOKEN.algorithm],
        typ: ACCESS_TOKEN.type,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const roles = stringArray(payload.roles);
      const permissions = stringArray(payload.perms);
      const idClaim = (value: unknown) => (typeof value === 'string' ? value : null);
      return {
        kind: 'USER',
        subject: payload.sub!,
        tenantId: idClaim(payload.tid),
        organizationId: idClaim(payload.oid),
        departmentId: idClaim(payload.did),
        roles,
        permissions,
      };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw errors.unauthenticated('the access token has expired; sign in again or refresh it');
      const message = (error as { message?: unknown }).message;
      if (error instanceof joseErrors.JWKSTimeout || (typeof message === 'string' && /fetch failed|ECONNREFUSED/.test(message))) {
        throw errors.unavailable('cannot verify tokens right now: the identity service is not reachable');
      }
      throw errors.unauthenticated('the access token is not valid');
    }
  }
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
