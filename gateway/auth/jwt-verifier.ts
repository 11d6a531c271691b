import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { PLATFORM_ONLY_PERMISSIONS } from '../../infrastructure/authorization/permissions';
import { LruMap } from '../../infrastructure/cache/lru-map';
import type { Principal } from '../../infrastructure/context/request-context';
import { errors } from '../../infrastructure/errors/error-codes';
import type { GatewaySettings } from '../../infrastructure/config/config';
import type { CredentialVerifier } from './authenticate-request';
import type { BearerScheme } from './bearer-credential-verifier';

/** Asymmetric algorithms only: a JWKS publishes public keys, so `none` and HMAC tokens can never verify. */
const PLATFORM_ONLY: ReadonlySet<string> = new Set(PLATFORM_ONLY_PERMISSIONS);

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface JwtVerifierOptions {
  jwksUrl: URL;
  issuer: string | undefined;
  audience: string | undefined;
  refetchCooldownMs: number;
  cacheMaxAgeMs: number;
  timeoutMs: number;
  maxVerifiedTokens: number;
}

/**
 * Tokens of any identity provider that publishes a JWKS (LATTICE_JWKS_URL), as Apollo Router's JWT authentication:
 * the caller is the token's `sub`, and its scopes (`scope`, space-separated, or a `scp` array) are what
 * `@requiresScopes` checks. Issuer and audience are checked when configured; `exp` and `sub` are required.
 */
export class JwtVerifier implements CredentialVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly verified: LruMap<string, { principal: Principal; expiresAtMs: number }>;

  constructor(private readonly options: JwtVerifierOptions) {
    this.keys = createRemoteJWKSet(options.jwksUrl, {
      cooldownDuration: options.refetchCooldownMs,
      cacheMaxAge: options.cacheMaxAgeMs,
      timeoutDuration: options.timeoutMs,
    });
    this.verified = new LruMap(options.maxVerifiedTokens);
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.expiresAtMs) return known.principal;
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
        ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
        ...(this.options.audience ? { audience: this.options.audience } : {}),
      });
      const principal: Principal = {
        kind: 'USER',
        subject: payload.sub!,
        tenantId: null,
        roles: [],
        // Platform-wide power comes from identity alone: another issuer's token can never reach every tenant.
        permissions: scopesOf(payload.scope, payload.scp).filter((scope) => !PLATFORM_ONLY.has(scope)),
        ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat * 1000 } : {}),
      };
      this.verified.set(token, { principal, expiresAtMs: payload.exp! * 1000 });
      return principal;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw errors.unauthenticated('the token has expired');
      const message = (error as { message?: unknown }).message;
      if (error instanceof joseErrors.JWKSTimeout || (typeof message === 'string' && /fetch failed|ECONNREFUSED/.test(message))) {
        throw errors.unavailable('cannot verify tokens right now: the JWKS is not reachable');
      }
      throw errors.unauthenticated('the token is not valid');
    }
  }
}

function scopesOf(scope: unknown, scp: unknown): string[] {
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s !== '');
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string');
  if (typeof scp === 'string') return scp.split(' ').filter((s) => s !== '');
  return [];
}

/** The scheme for tokens of the JWKS at LATTICE_JWKS_URL: any bearer token the other schemes did not take. */
export function jwtScheme(jwksUrl: string, settings: GatewaySettings): BearerScheme {
  return {
    name: 'jwt',
    accepts: () => true,
    verifier: new JwtVerifier({
      jwksUrl: new URL(jwksUrl),
      issuer: settings.jwt.issuer,
      audience: settings.jwt.audience,
      refetchCooldownMs: settings.jwks.refetchCooldownMs,
      cacheMaxAgeMs: settings.jwks.cacheMaxAgeMs,
      timeoutMs: settings.timeouts.jwksFetchMs,
      maxVerifiedTokens: settings.caches.verifiedTokens,
    }),
  };
}
