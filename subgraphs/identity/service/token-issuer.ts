import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ACCESS_TOKEN, type AccessTokenClaims } from '../../../infrastructure/authorization/access-token';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import type { IdentityStore } from '../store/identity-store';
import type { SigningKeyEntity } from '../store/signing-key.entity';
import type { KeyEncryption } from './key-encryption';
import type { User } from './user';
import { permissionsOf } from './roles';

const SIGNING_ALGORITHM = ACCESS_TOKEN.algorithm;
const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

interface ActiveKey {
  kid: string;
  privateKey: CryptoKey;
}

/** Signs access tokens with identity's asymmetric key and publishes the public half as JWKS. */
export class TokenIssuer {
  private active: ActiveKey | undefined;

  constructor(
    private readonly store: IdentityStore,
    private readonly encryption: KeyEncryption,
    private readonly accessTokenTtlSeconds: number,
  ) {}

  /** Loads the active key, creating the first one on first start. */
  async start(): Promise<void> {
    const existing = (await this.store.activeSigningKey()) ?? (await this.store.insertSigningKeyIfNoneActive(await this.newKey()));
    this.active = await this.load(existing);
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    // A retired key stays published for one access-token lifetime (plus slack) so its tokens keep verifying.
    const keys = await this.store.publishedSigningKeys((this.accessTokenTtlSeconds + 60) * 1000);
    return { keys: keys.map((k) => ({ ...(JSON.parse(k.publicJwk) as JWK), kid: k.kid, alg: k.algorithm, use: 'sig' })) };
  }

  async issue(user: User): Promise<IssuedTokens> {
    if (!this.active) throw new Error('token issuer not started');
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = new Date((now + this.accessTokenTtlSeconds) * 1000);
    const claims: AccessTokenClaims = {
      tid: user.tenantId,
      oid: user.organizationId,
      did: user.departmentId,
      roles: user.roles,
      perms: permissionsOf(user.roles),
    };
    const accessToken = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: this.active.kid, typ: ACCESS_TOKEN.type })
      .setIssuer(ACCESS_TOKEN.issuer)
      .setAudience(ACCESS_TOKEN.audience)
      .setSubject(user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + this.accessTokenTtlSeconds)
      .setJti(randomUUID())
      .sign(this.active.privateKey);
    const refreshToken = randomBytes(32).toString('base64url');
    await this.store.insertRefreshToken({
      id: uuid7(),
      userId: user.id,
      tenantId: user.tenantId,
      familyId: uuid7(),
      tokenHash: createHash('sha256').update(refreshToken).digest('hex'),
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(),
    });
    return { accessToken, refreshToken, expiresAt };
  }

  private async newKey(): Promise<SigningKeyEntity> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    return {
      kid: uuid7(),
      algorithm: SIGNING_ALGORITHM,
      publicJwk: JSON.stringify(await exportJWK(publicKey)),
      privateJwkEncrypted: this.encryption.encrypt(JSON.stringify(await exportJWK(privateKey))),
      createdAt: new Date(),
      retiredAt: null,
    };
  }

  private async load(key: SigningKeyEntity): Promise<ActiveKey> {
    const jwk = JSON.parse(this.encryption.decrypt(key.privateJwkEncrypted)) as JWK;
    return { kid: key.kid, privateKey: (await importJWK(jwk, key.algorithm)) as CryptoKey };
  }
}
