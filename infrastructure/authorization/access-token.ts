import type { ScopedGrant } from './grants';
/** The access-token contract between identity (which signs) and the gateway (which verifies). */
export const ACCESS_TOKEN = {
  issuer: 'lattice-identity',
  audience: 'lattice',
  algorithm: 'EdDSA',
  type: 'at+jwt',
} as const;

/** Where identity publishes its public signing keys, and where the gateway republishes them. */
export const JWKS_PATH = '/.well-known/jwks.json';

/** Lattice's own claims beside the registered ones (sub, iat, exp, jti). */
export interface AccessTokenClaims {
  /** Tenant id; null for platform users. */
  tid: string | null;
  /** Organization and department the user belongs to, if any. */
  oid: string | null;
  did: string | null;
  roles: string[];
  /** Permissions across the tenant: built-in roles plus roles assigned at TENANT scope. */
  perms: string[];
  /** Permissions from roles assigned at an organization or department: valid only inside it. */
  grants?: ScopedGrant[];
  /** The session (refresh-token family) the token was issued in, so signOut knows which to end. Absent in tokens issued before sessions existed. */
  sid?: string;
}
