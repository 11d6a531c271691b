import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** The asymmetric algorithms an identity provider commonly signs with; the issuer holds one key of each. */
export const ISSUER_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
export type IssuerAlgorithm = (typeof ISSUER_ALGORITHMS)[number];

export interface TokenClaims {
  /** `sub`; default `user-1`. */
  subject?: string;
  /** `scope`, space-separated (OAuth 2). */
  scope?: string;
  /** `scp`, an array (Azure AD, Okta). */
  scp?: string[];
  /** Default RS256. */
  algorithm?: IssuerAlgorithm;
  /** Seconds from now; negative for a token that has already expired. Default 600. */
  expiresIn?: number;
  /** Overrides the issuer's own `iss` / `aud`. */
  issuer?: string;
  audience?: string;
}

export interface JwksIssuer {
  /** `http://127.0.0.1:<port>/.well-known/jwks.json` */
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** How many times the JWKS was fetched. */
  fetchCount(): number;
  /** A token signed with one of the published keys. */
  sign(claims?: TokenClaims): Promise<string>;
  /** A token like sign()'s, but signed with a key this issuer never published: a forgery. */
  signWithUnpublishedKey(claims?: TokenClaims): Promise<string>;
  stop(): Promise<void>;
}

interface IssuerKey {
  kid: string;
  algorithm: IssuerAlgorithm;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(algorithm: IssuerAlgorithm, kid: string): Promise<IssuerKey> {
  const { publicKey, privateKey } = await generateKeyPair(algorithm);
  return { kid, algorithm, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: algorithm, use: 'sig' } };
}

/**
 * A stand-in for a third-party identity provider: one key pair per algorithm, the public halves served as a JWKS,
 * and tokens signed with the issuer, audience and scopes a test asks for.
 */
export async function startJwksIssuer(options: { issuer?: string; audience?: string } = {}): Promise<JwksIssuer> {
  const issuer = options.issuer ?? 'https://idp.foreign.example/';
  const audience = options.audience ?? 'https://api.foreign.example';
  const keys = await Promise.all(ISSUER_ALGORITHMS.map((alg) => makeKey(alg, `foreign-${alg.toLowerCase()}`)));
  const unpublished = await Promise.all(ISSUER_ALGORITHMS.map((alg) => makeKey(alg, `foreign-${alg.toLowerCase()}`)));
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;

  const signWith = (from: readonly IssuerKey[], claims: TokenClaims) => {
    const algorithm = claims.algorithm ?? 'RS256';
    const key = from.find((k) => k.algorithm === algorithm)!;
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = {};
    if (claims.scope !== undefined) payload.scope = claims.scope;
    if (claims.scp !== undefined) payload.scp = claims.scp;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: algorithm, kid: key.kid, typ: 'JWT' })
      .setSubject(claims.subject ?? 'user-1')
      .setIssuer(claims.issuer ?? issuer)
      .setAudience(claims.audience ?? audience)
      .setIssuedAt(now - 5)
      .setExpirationTime(now + (claims.expiresIn ?? 600))
      .sign(key.privateKey);
  };
  return {
    jwksUrl,
    issuer,
    audience,
    fetchCount: () => fetches,
    sign: (claims = {}) => signWith(keys, claims),
    signWithUnpublishedKey: (claims = {}) => signWith(unpublished, claims),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A gateway keeps its JWKS connection alive; close() alone would wait for it.
        server.closeAllConnections();
      }),
  };
}
