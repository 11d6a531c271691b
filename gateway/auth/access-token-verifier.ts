import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { ACCESS_TOKEN, JWKS_PATH } from '../../infrastructure/authorization/access-token';
import { SIGNING_KEY_ROTATED } from '../../infrastructure/authorization/signing-keys';
import type { EventBus } from '../../infrastructure/events';
import type { GatewayFeature } from '../core/feature';
import type { BearerScheme } from './bearer-credential-verifier';
import type { ScopedGrant } from '../../infrastructure/authorization/grants';
import type { Principal } from '../../infrastructure/context/request-context';
import { LruMap } from '../../infrastructure/cache/lru-map';
import { errors } from '../../infrastructure/errors/error-codes';
import { GATEWAY_DEFAULTS, type GatewaySettings } from '../../infrastructure/config/config';

/**
 * Verifies identity's access tokens against the JWKS identity publishes. Only keys fetched from identity are
 * trusted; an unknown `kid` triggers a refetch, at most once per cooldown, so forged kids cannot hammer identity.
 */
export class AccessTokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(jwksUrl: URL, options: { refetchCooldownMs?: number; cacheMaxAgeMs?: number; timeoutMs?: number; maxVerifiedTokens?: number } = {}) {
    this.keys = createRemoteJWKSet(jwksUrl, {
      cooldownDuration: options.refetchCooldownMs ?? GATEWAY_DEFAULTS.jwks.refetchCooldownMs,
      cacheMaxAge: options.cacheMaxAgeMs ?? GATEWAY_DEFAULTS.jwks.cacheMaxAgeMs,
      timeoutDuration: options.timeoutMs ?? GATEWAY_DEFAULTS.timeouts.jwksFetchMs,
    });
    this.verified = new LruMap(options.maxVerifiedTokens ?? GATEWAY_DEFAULTS.caches.verifiedTokens);
  }

  /** Fetches identity's JWKS now (identity announced a new key), ignoring the cooldown. */
  async reload(): Promise<void> {
    await this.keys.reload().catch(() => undefined);
  }

  /**
   * Tokens already verified, by their exact text, until they expire. An EdDSA signature check costs about a third
   * of a millisecond here, and a client sends the same token with every request for its whole lifetime. The same
   * bytes verify the same way every time, so only the expiry needs checking again.
   */
  private readonly verified: LruMap<string, { principal: Principal; expiresAtMs: number }>;

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAtMs) return known.principal;
      this.verified.delete(token);
    }
    return this.verifySignature(token);
  }

  private async verifySignature(token: string): Promise<Principal> {
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
      const principal: Principal = {
        kind: 'USER',
        subject: payload.sub!,
        tenantId: idClaim(payload.tid),
        organizationId: idClaim(payload.oid),
        departmentId: idClaim(payload.did),
        roles,
        permissions,
        ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}),
        ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat * 1000 } : {}),
        ...grantsOf(payload.grants),
      };
      // requiredClaims guarantees exp.
      this.verified.set(token, { principal, expiresAtMs: payload.exp! * 1000 });
      return principal;
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

const GRANT_LEVELS: readonly string[] = ['TENANT', 'ORGANIZATION', 'DEPARTMENT'];

/** Scoped grants from a verified token; anything malformed is dropped rather than trusted. */
function grantsOf(value: unknown): { grants?: ScopedGrant[] } {
  if (!Array.isArray(value)) return {};
  const grants = value.flatMap((raw: unknown): ScopedGrant[] => {
    if (typeof raw !== 'object' || raw === null) return [];
    const { level, id, permissions } = raw as Record<string, unknown>;
    if (typeof level !== 'string' || !GRANT_LEVELS.includes(level) || typeof id !== 'string') return [];
    return [{ level: level as ScopedGrant['level'], id, permissions: stringArray(permissions) }];
  });
  return grants.length > 0 ? { grants } : {};
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Identity's access tokens, verified against the JWKS identity publishes. A new signing key is in identity's JWKS
 * before it signs: the rotation event fetches it now rather than on its first token.
 */
export async function useAccessTokens(options: {
  identityBaseUrl: () => string;
  bus: EventBus;
  settings: GatewaySettings;
  /** True when no other JWT scheme is on; otherwise only tokens of identity's issuer are identity's. */
  onlyScheme: boolean;
}): Promise<{ feature: GatewayFeature; scheme: BearerScheme }> {
  const { settings } = options;
  const verifier = new AccessTokenVerifier(new URL(JWKS_PATH, options.identityBaseUrl()), {
    refetchCooldownMs: settings.jwks.refetchCooldownMs,
    cacheMaxAgeMs: settings.jwks.cacheMaxAgeMs,
    timeoutMs: settings.timeouts.jwksFetchMs,
    maxVerifiedTokens: settings.caches.verifiedTokens,
  });
  const unsubscribe = await options.bus.subscribe(SIGNING_KEY_ROTATED, () => verifier.reload());
  return {
    scheme: { name: 'access-tokens', accepts: (_token, issuer) => options.onlyScheme || issuer === ACCESS_TOKEN.issuer, verifier },
    feature: { name: 'access-tokens', stop: unsubscribe },
  };
}
