import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ACCESS_TOKEN, type AccessTokenClaims } from '../../../infrastructure/authorization/access-token';
import { uuid7 } from '../../../infrastructure/events/uuid7';
import type { IdentityStore } from '../store/identity-store';
import type { SigningKeyEntity } from '../store/signing-key.entity';
import type { RoleStore } from '../store/role-store';
import type { SigningKeyStore } from '../store/signing-key-store';
import { grantsFrom } from './role-service';
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

/**
 * How long a replica signs with the key it loaded before asking the database again. Another replica may have
 * rotated meanwhile; a retired key stays published KEY_RETIREMENT_SLACK_MS beyond the token lifetime, more than this.
 */
const KEY_RELOAD_MS = 15_000;
const KEY_RETIREMENT_SLACK_MS = 60_000;

export interface KeyRotationSettings {
  /** A new key is published this long before it signs anything, so every gateway can fetch it first. */
  leadMs: number;
  /** Scheduled rotation: a key older than this is replaced. */
  maxAgeMs: number;
}

export interface RotatedKey {
  kid: string;
  activatesAt: Date;
  retiring: string[];
}

/**
 * Signs access tokens with identity's asymmetric key and publishes the public halves as JWKS. Keys rotate on
 * demand and on a schedule: a new key is in JWKS `leadMs` before it signs, and the old one stays there until
 * every token it signed has expired.
 */
export class TokenIssuer {
  /** The key this replica signs with, and until when it may do so without asking the database again. */
  private active: { key: ActiveKey; until: number } | undefined;

  constructor(
    private readonly store: IdentityStore,
    private readonly keys: SigningKeyStore,
    private readonly encryption: KeyEncryption,
    private readonly accessTokenTtlSeconds: number,
    private readonly rotation: KeyRotationSettings,
    private readonly roles: RoleStore,
  ) {}

  /** Loads the signing key, creating the first one (active at once) on first start. */
  async start(): Promise<void> {
    const now = new Date();
    const existing = (await this.keys.signingKey(now)) ?? (await this.keys.insertFirstKey(await this.newKey(now)));
    this.active = { key: await this.load(existing), until: await this.validUntil() };
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    const keys = await this.keys.publishedKeys(this.accessTokenTtlSeconds * 1000 + KEY_RETIREMENT_SLACK_MS);
    return { keys: keys.map((k) => ({ ...(JSON.parse(k.publicJwk) as JWK), kid: k.kid, alg: k.algorithm, use: 'sig' })) };
  }

  /** Publishes a new key now; it signs from `leadMs` on, and the keys it replaces retire then. */
  async rotate(): Promise<RotatedKey> {
    const rotated = await this.keys.rotate(await this.newKey(new Date(Date.now() + this.rotation.leadMs)), () => true);
    return this.rotated(rotated!);
  }

  /** Rotates when the newest key is older than `maxAgeMs`; null when not due (or another replica just did it). */
  async rotateIfDue(): Promise<RotatedKey | null> {
    const next = await this.newKey(new Date(Date.now() + this.rotation.leadMs));
    const rotated = await this.keys.rotate(next, (newest) => !newest || Date.now() - newest.createdAt.getTime() >= this.rotation.maxAgeMs);
    return rotated ? this.rotated(rotated) : null;
  }

  private rotated({ key, retiring }: { key: SigningKeyEntity; retiring: string[] }): RotatedKey {
    // This replica switches exactly when the new key activates (see signingKey()); others learn of it on their next reload.
    if (this.active) this.active.until = Math.min(this.active.until, key.activatesAt.getTime());
    return { kid: key.kid, activatesAt: key.activatesAt, retiring };
  }

  /**
   * The key that signs now. Reloaded every KEY_RELOAD_MS, so a rotation by any replica is seen well within its
   * lead time, and exactly when a waiting key activates, so every replica switches at that moment.
   */
  private async signingKey(): Promise<ActiveKey> {
    if (!this.active) throw new Error('token issuer not started');
    if (Date.now() < this.active.until) return this.active.key;
    const row = await this.keys.signingKey();
    const key = row && row.kid !== this.active.key.kid ? await this.load(row) : this.active.key;
    this.active = { key, until: await this.validUntil() };
    return key;
  }

  private async validUntil(): Promise<number> {
    const next = await this.keys.nextActivation();
    return Math.min(Date.now() + KEY_RELOAD_MS, next?.getTime() ?? Infinity);
  }

  /**
   * Signs an access token for the user's current roles and stores the next refresh token of session `sessionId`
   * (a new session unless given; the token's `sid`). Sessions call it inside their own platform-scope unit of
   * work, which the insert joins: see SessionService.refresh.
   */
  async issue(user: User, sessionId: string = uuid7()): Promise<IssuedTokens> {
    const signingKey = await this.signingKey();
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = new Date((now + this.accessTokenTtlSeconds) * 1000);
    const assignments = await this.roles.assignmentsOf([user.id]);
    const customRoles = new Map((await this.roles.rolesByIds(assignments.map((a) => a.roleId))).map((r) => [r.id, r]));
    const { tenantWide, scoped } = grantsFrom(assignments, customRoles);
    const claims: AccessTokenClaims = {
      tid: user.tenantId,
      oid: user.organizationId,
      did: user.departmentId,
      roles: user.roles,
      perms: [...new Set([...permissionsOf(user.roles), ...tenantWide])].sort(),
      ...(scoped.length > 0 ? { grants: scoped } : {}),
      sid: sessionId,
    };
    const accessToken = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: signingKey.kid, typ: ACCESS_TOKEN.type })
      .setIssuer(ACCESS_TOKEN.issuer)
      .setAudience(ACCESS_TOKEN.audience)
      .setSubject(user.id)
      .setIssuedAt(now)
      .setExpirationTime(now + this.accessTokenTtlSeconds)
      .setJti(randomUUID())
      .sign(signingKey.privateKey);
    const refreshToken = randomBytes(32).toString('base64url');
    await this.store.insertRefreshToken({
      id: uuid7(),
      userId: user.id,
      tenantId: user.tenantId,
      familyId: sessionId,
      tokenHash: createHash('sha256').update(refreshToken).digest('hex'),
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
      usedAt: null,
      revokedAt: null,
      createdAt: new Date(),
    });
    return { accessToken, refreshToken, expiresAt };
  }

  private async newKey(activatesAt: Date): Promise<SigningKeyEntity> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    return {
      kid: uuid7(),
      algorithm: SIGNING_ALGORITHM,
      publicJwk: JSON.stringify(await exportJWK(publicKey)),
      privateJwkEncrypted: this.encryption.encrypt(JSON.stringify(await exportJWK(privateKey))),
      createdAt: new Date(),
      activatesAt,
      retiredAt: null,
    };
  }

  private async load(key: SigningKeyEntity): Promise<ActiveKey> {
    const jwk = JSON.parse(this.encryption.decrypt(key.privateJwkEncrypted)) as JWK;
    return { kid: key.kid, privateKey: (await importJWK(jwk, key.algorithm)) as CryptoKey };
  }
}
