import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ACCESS_TOKEN } from '../../infrastructure/authorization/access-token';

export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

/** An EdDSA key pair as identity makes them, with its public half as identity publishes it. */
export async function makeKey(kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

export interface TokenOverrides {
  exp?: number;
  aud?: string;
  iss?: string;
  sub?: string;
  typ?: string;
}

/** A well-formed access token signed with `key`, with any registered claim overridden. */
export function accessToken(key: TestKey, overrides: TokenOverrides = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ tid: 't1', roles: ['member'], perms: ['users:read'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: overrides.typ ?? ACCESS_TOKEN.type })
    .setIssuer(overrides.iss ?? ACCESS_TOKEN.issuer)
    .setAudience(overrides.aud ?? ACCESS_TOKEN.audience)
    .setIssuedAt(now - 10)
    .setExpirationTime(overrides.exp ?? now + 600);
  if (overrides.sub !== '') jwt.setSubject(overrides.sub ?? 'user-1');
  return jwt.sign(key.privateKey);
}

/** A stand-in for identity's JWKS endpoint that serves whatever keys the test publishes and counts fetches. */
export class JwksServer {
  published: JWK[] = [];
  fetches = 0;
  private server: Server | undefined;

  async start(): Promise<URL> {
    this.server = createServer((_req, res) => {
      this.fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: this.published }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return new URL(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
